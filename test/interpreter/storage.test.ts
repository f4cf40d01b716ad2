import { withBoard, interpreterTest } from './support';

interpreterTest('Storage: a file is written while Storage holds boot code that keeps a timer (an example beside the firmware)', ['esp32'], async (t) => {
  await withBoard('esp32', async (board) => {
    board.storeText('.boot1', 'setInterval(function(){},100);');
    const started = Date.now();
    board.storeText('settings.json', '{"a":1}');
    t.true(Date.now() - started < 30000, 'the writing interpreter quit');
  });
});
