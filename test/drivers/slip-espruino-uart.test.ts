import test from 'ava';
import { EspruinoSerialPort, EspruinoUart } from '../../hal/espruino/espruino-uart';
import { SlipNic } from '../../hal/drivers/slip';
import { NodeHal } from '../../sim/node-hal';

/** A stand-in for the interpreter's Serial1: 'data' events carry strings of bytes, as on a board. */
class FakeSerial implements EspruinoSerialPort {
  handler: ((data: string) => void) | null = null;
  written: number[] = [];
  on(_event: 'data', handler: (data: string) => void): void {
    this.handler = handler;
  }
  write(data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.written.push(data[i]);
  }
  receive(bytes: number[]): void {
    (this.handler as (data: string) => void)(String.fromCharCode.apply(null, bytes));
  }
}

(globalThis as unknown as { E: unknown }).E = { toUint8Array: (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0)) };

test('EspruinoUart: data events fill a fixed ring that read() drains in order across the wrap; overflow is counted', (t) => {
  const serial = new FakeSerial();
  const uart = new EspruinoUart(serial, 8);
  serial.receive([1, 2, 3, 4, 5]);
  const out = new Uint8Array(16);
  t.is(uart.read(out, 0, 3), 3);
  t.deepEqual(Array.from(out.subarray(0, 3)), [1, 2, 3]);
  serial.receive([6, 7, 8, 9, 10, 11, 12, 13]);
  t.is(uart.overruns[0], 2, 'ring of 8 held 2, took 6 more');
  t.is(uart.read(out, 1, 16), 8);
  t.deepEqual(Array.from(out.subarray(1, 9)), [4, 5, 6, 7, 8, 9, 10, 11]);
  t.is(uart.read(out, 0, 16), 0);
  uart.write(new Uint8Array([9, 8, 7, 6]), 1, 2);
  t.deepEqual(serial.written, [8, 7]);
});

test('SLIP over EspruinoUart: a packet written by one SlipNic is decoded by another through Serial-style string events', (t) => {
  const a = new FakeSerial();
  const b = new FakeSerial();
  const hal = new NodeHal({ now: () => 0 }, 1);
  const sender = new SlipNic(new EspruinoUart(a, 256), hal, 1500);
  const receiver = new SlipNic(new EspruinoUart(b, 4096), hal, 1500);
  const packet = new Uint8Array(1500);
  for (let i = 0; i < packet.length; i++) packet[i] = (i * 7) & 0xff;
  sender.transmit(packet, packet.length);
  for (let i = 0; i < a.written.length; i += 64) b.receive(a.written.slice(i, i + 64));
  const got: number[][] = [];
  receiver.poll({ input: (frame, length) => got.push(Array.from(frame.subarray(0, length))) });
  t.is(got.length, 1);
  t.deepEqual(got[0], Array.from(packet));
});
