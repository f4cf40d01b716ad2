// AVA_FILES lets a developer run one area's compiled tests from a private build directory.
// The timeout is ava's: no test result for that long. The interpreter tier runs one test at a time
// and the flash test's bounded retries (three uploads of up to 80 s, each checked by booting
// Storage for up to 60 s) can take longer than five minutes on their own.
export default {
  files: [process.env.AVA_FILES || 'build/test/**/*.test.js'],
  timeout: '10m',
  workerThreads: false,
};
