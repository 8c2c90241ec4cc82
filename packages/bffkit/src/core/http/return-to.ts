/**
 * Open-redirect defence for `returnTo` (docs/security.md 17): only a same-origin absolute path survives.
 * Allow-list by shape, then a real URL parse, then a re-check of the normalised output.
 */

/** Longest `returnTo` accepted (input and normalised output). */
export const MAX_RETURN_TO_LENGTH = 2048;

// A base that can never be a real origin (.invalid is reserved, RFC 2606): if parsing lands anywhere
// else, the input carried its own scheme or authority.
const BASE = 'http://bffkit.invalid';
// Percent-encoding is unwrapped layer by layer and every layer checked: catches `%252F%252F…` payloads
// that a downstream server or framework might decode once more. No honest path needs this many layers;
// a value still changing after them is refused.
const DECODE_LAYERS = 8;
// C0 controls, DEL, C1 controls and any whitespace (Unicode included): browsers strip some of these
// (tab, newline) before parsing, which is how `/\t/evil.com` turns into `//evil.com`.
const FORBIDDEN_CHARS = /[\u0000-\u0020\u007f-\u009f\s]/u;

/**
 * Returns `value` normalised when it is a safe same-origin path, else `fallback` (itself checked: an
 * unsafe fallback becomes '/'). Never throws.
 *
 * @example
 * safeReturnTo('/notes?x=1'); // '/notes?x=1'
 * safeReturnTo('//evil.com'); // '/'
 */
export function safeReturnTo(value: unknown, fallback = '/'): string {
  return normalise(value) ?? normalise(fallback) ?? '/';
}

/**
 * Whether {@link safeReturnTo} would accept `value` (instead of falling back).
 *
 * @example
 * isSafeReturnTo('https://evil.example'); // false
 */
export function isSafeReturnTo(value: unknown): boolean {
  return normalise(value) !== null;
}

function normalise(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_RETURN_TO_LENGTH) return null;
  if (!layersArePlain(value)) return null;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  const result = url.pathname + url.search + url.hash;
  // Dot-segment removal can create a new leading '//' (`/..//evil.com` → `//evil.com`), in the output
  // or in one of its decoded layers (`/./%252f` → `/%252f`, which decodes to `//`): check the output too.
  return result.length <= MAX_RETURN_TO_LENGTH && layersArePlain(result) ? result : null;
}

/** Whether `value`, and each percent-decoded layer of it, looks like a plain path. */
function layersArePlain(value: string): boolean {
  let layer = value;
  for (let i = 0; ; i++) {
    if (!isPlainPath(layer)) return false;
    if (!layer.includes('%')) return true;
    if (i === DECODE_LAYERS) return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(layer);
    } catch {
      // Malformed encoding in what the user sent is refused. In a deeper layer it simply is not encoding
      // any more (e.g. `/100%25` decodes to `/100%`): a further decode would fail downstream too.
      return i !== 0;
    }
    if (decoded === layer) return true;
    layer = decoded;
  }
}

/** One leading '/', never '//' or '/\', no backslash, control character or whitespace anywhere. */
function isPlainPath(s: string): boolean {
  return (
    s.charCodeAt(0) === 0x2f && // '/'
    s.charCodeAt(1) !== 0x2f &&
    !s.includes('\\') && // browsers treat '\' as '/' in special URLs
    !FORBIDDEN_CHARS.test(s)
  );
}
