/**
 * The small binary toolkit of the session format (session-codec.ts): unsigned LEB128 varints,
 * length-prefixed UTF-8, float64, and "texts" that store base64url segments as their decoded bytes.
 */

/** Kind byte of a text stored as UTF-8. Kinds 1..{@link MAX_SEGMENTS} are base64url segment counts. */
const TEXT_UTF8 = 0;
/** Most '.'-separated base64url segments stored decoded (a JWS has 3, a JWE 5). */
const MAX_SEGMENTS = 15;
/** Varints longer than this are refused (8 × 7 bits covers every safe integer). */
const MAX_VARINT_BYTES = 8;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The decoded segments of `s` when it is base64url segments joined by '.', each of which re-encodes to
 * exactly the same characters (non-canonical spellings would not round-trip); otherwise null.
 */
function base64urlSegments(s: string): Buffer[] | null {
  if (s.length === 0) return null;
  const parts = s.split('.');
  if (parts.length > MAX_SEGMENTS) return null;
  const out: Buffer[] = [];
  for (const p of parts) {
    if (!BASE64URL.test(p)) return null;
    const raw = Buffer.from(p, 'base64url');
    if (raw.toString('base64url') !== p) return null;
    out.push(raw);
  }
  return out;
}

/** Appends values to a growing byte string. */
export class ByteWriter {
  private readonly parts: Buffer[] = [];
  private small: number[] = [];

  byte(b: number): void {
    this.small.push(b & 0xff);
  }

  /** A non-negative safe integer as an unsigned LEB128 varint. */
  varint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('bffkit: varint needs a non-negative safe integer');
    while (n >= 0x80) {
      this.small.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.small.push(n);
  }

  float(n: number): void {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(n);
    this.bytes(b);
  }

  /** Length-prefixed UTF-8. */
  utf8(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.varint(b.length);
    this.bytes(b);
  }

  /** A string, stored as decoded bytes when it is base64url segments (JWTs, opaque tokens, ids). */
  text(s: string): void {
    const segments = base64urlSegments(s);
    if (!segments) {
      this.byte(TEXT_UTF8);
      this.utf8(s);
      return;
    }
    this.byte(segments.length);
    for (const seg of segments) {
      this.varint(seg.length);
      this.bytes(seg);
    }
  }

  done(): Buffer {
    this.flush();
    return Buffer.concat(this.parts);
  }

  /** Bytes as they are (no length prefix): the reader must know how many to take. */
  raw(b: Buffer): void {
    this.bytes(b);
  }

  /** A length-prefixed block of bytes (an extension section). */
  block(b: Buffer): void {
    this.varint(b.length);
    this.bytes(b);
  }

  private bytes(b: Buffer): void {
    this.flush();
    this.parts.push(b);
  }

  private flush(): void {
    if (this.small.length) this.parts.push(Buffer.from(this.small));
    this.small = [];
  }
}

/** Bounds-checked reading. Never throws: an overrun sets `failed` and the read yields null or 0. */
export class ByteReader {
  failed = false;

  constructor(
    private readonly buf: Buffer,
    public pos: number,
  ) {}

  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES && this.pos < this.buf.length; i++) {
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
    this.failed = true;
    return 0;
  }

  /** A varint, or a float64 when `float`; non-finite floats fail. */
  number(float: boolean): number {
    if (!float) return this.varint();
    if (this.pos + 8 > this.buf.length) return this.fail(0);
    const n = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return Number.isFinite(n) ? n : this.fail(0);
  }

  /** The next byte, or 0 (and `failed`) past the end. */
  byte(): number {
    return this.pos < this.buf.length ? this.buf[this.pos++]! : this.fail(0);
  }

  /** The next `n` bytes as they are, or null (and `failed`) past the end. */
  raw(n: number): Buffer | null {
    if (this.pos + n > this.buf.length) return this.fail(null);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A length-prefixed block of bytes (see ByteWriter.block), or null past the end. */
  block(): Buffer | null {
    const start = this.span();
    return start < 0 ? null : this.buf.subarray(start, this.pos);
  }

  /** Whether everything was read. */
  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  utf8(): string | null {
    const start = this.span();
    return start < 0 ? null : this.buf.toString('utf8', start, this.pos);
  }

  text(): string | null {
    if (this.pos >= this.buf.length) return this.fail(null);
    const kind = this.buf[this.pos++]!;
    if (kind === TEXT_UTF8) return this.utf8();
    if (kind > MAX_SEGMENTS) return this.fail(null);
    let s = '';
    for (let i = 0; i < kind; i++) {
      const start = this.span();
      if (start < 0) return null;
      s += (i > 0 ? '.' : '') + this.buf.toString('base64url', start, this.pos);
    }
    return s;
  }

  /** Reads a varint length and moves past that many bytes: their start offset, or -1 on overrun. */
  private span(): number {
    const len = this.varint();
    if (this.failed || this.pos + len > this.buf.length) return this.fail(-1);
    const start = this.pos;
    this.pos += len;
    return start;
  }

  private fail<T>(value: T): T {
    this.failed = true;
    return value;
  }
}
