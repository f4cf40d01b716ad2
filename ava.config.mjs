// AVA_FILES lets a developer run one area's compiled tests from a private build directory.
export default {
  files: [process.env.AVA_FILES || 'build/test/**/*.test.js'],
  timeout: '5m',
  workerThreads: false,
};
