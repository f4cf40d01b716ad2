/**
 * One ArrayBuffer cut into a table's typed arrays. On the interpreter a typed array of its own
 * costs a buffer and a data block besides its view; cut from one buffer, each costs little more
 * than the view (measured on Espruino 2v29: 45 four-element Uint32Arrays took 237 variables
 * apart, 147 as views of one buffer). Cut the widest elements first, so every view starts aligned.
 */
export class Arena {
  readonly buffer: ArrayBuffer;
  private offset = 0;

  constructor(bytes: number) {
    this.buffer = new ArrayBuffer(bytes);
  }

  /** The next `length` elements of `elementBytes` each, as a `type` view. */
  cut<T>(type: new (buffer: ArrayBuffer, byteOffset: number, length: number) => T, elementBytes: number, length: number): T {
    const view = new type(this.buffer, this.offset, length);
    this.offset += elementBytes * length;
    return view;
  }
}
