// A wrapper for secret material. It cannot be printed by accident: JSON.stringify, util.inspect,
// template strings and console.log all render it as "(sensitive)". Only `reveal()` gives the bytes,
// and only the code that sends them to the Engine (or hashes them) calls it.

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');
export const SENSITIVE_PLACEHOLDER = '(sensitive)';

export class Sensitive {
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** The secret bytes. Never log, print or persist the result. */
  reveal(): Uint8Array {
    return this.#bytes;
  }

  get byteLength(): number {
    return this.#bytes.byteLength;
  }

  toString(): string {
    return SENSITIVE_PLACEHOLDER;
  }

  toJSON(): string {
    return SENSITIVE_PLACEHOLDER;
  }

  [inspectSymbol](): string {
    return SENSITIVE_PLACEHOLDER;
  }
}
