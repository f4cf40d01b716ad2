/** Element types an arena cuts, widest first. */
export const enum Cut {
  F64 = 0,
  U32 = 1,
  I32 = 2,
  U16 = 3,
  I16 = 4,
  U8 = 5,
  I8 = 6,
}

/** By Cut. A number per call, not the constructor's long name, keeps each cut a few bytes of a bundle. */
const arrayTypes = [Float64Array, Uint32Array, Int32Array, Uint16Array, Int16Array, Uint8Array, Int8Array];

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

  /** The next `length` elements of `kind`. */
  cut(kind: Cut.F64, length: number): Float64Array;
  cut(kind: Cut.U32, length: number): Uint32Array;
  cut(kind: Cut.I32, length: number): Int32Array;
  cut(kind: Cut.U16, length: number): Uint16Array;
  cut(kind: Cut.I16, length: number): Int16Array;
  cut(kind: Cut.U8, length: number): Uint8Array;
  cut(kind: Cut.I8, length: number): Int8Array;
  cut(kind: Cut, length: number): ArrayBufferView {
    const view = new arrayTypes[kind](this.buffer, this.offset, length);
    this.offset += view.byteLength;
    return view;
  }
}
