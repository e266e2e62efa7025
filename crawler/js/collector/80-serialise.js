// JSON without the page's built-ins: Playwright's own serializer breaks once a page replaces
// Array.prototype.push, a string always gets through.

const HEX = '0123456789abcdef';

// A lone surrogate (half of an emoji, or a page's deliberate "\uD800") is not text: it becomes U+FFFD, so
// everything downstream (UTF-8, SQLite, the report) gets valid Unicode.
function quote(s) {
  let out = '"';
  for (let i = 0; i < s.length; i += 1) {
    const code = charCode(s, i);
    if (code === 0x22 || code === 0x5c) {
      out += '\\' + s[i];
    } else if (code < 0x20) {
      out += '\\u00' + HEX[code >> 4] + HEX[code & 15];
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < s.length && isLowSurrogate(charCode(s, i + 1))) {
      out += s[i] + s[i + 1];
      i += 1;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      out += '\ufffd';
    } else {
      out += s[i];
    }
  }
  return out + '"';
}

function isLowSurrogate(code) {
  return code >= 0xdc00 && code <= 0xdfff;
}

function toJSON(value) {
  if (value === null || value === undefined) {
    return 'null';
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  if (typeof value === 'number') {
    return call(B.isFinite, undefined, [value]) ? '' + value : 'null';
  }
  if (typeof value === 'string') {
    return quote(value);
  }
  const parts = [];
  if (call(B.isArray, undefined, [value])) {
    for (let i = 0; i < value.length; i += 1) {
      append(parts, toJSON(value[i]));
    }
    return '[' + join(parts, ',') + ']';
  }
  const keys = call(B.objectKeys, undefined, [value]);
  for (let i = 0; i < keys.length; i += 1) {
    append(parts, quote(keys[i]) + ':' + toJSON(value[keys[i]]));
  }
  return '{' + join(parts, ',') + '}';
}

