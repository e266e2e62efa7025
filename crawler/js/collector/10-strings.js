// Strings and numbers without RegExp or String.prototype methods the page could have patched.


function isSpace(code) {
  return (
    code <= 32 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200b) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

function charCode(s, i) {
  return call(B.stringCharCodeAt, s, [i]);
}

// Regular expressions are avoided: the page can patch RegExp.prototype[Symbol.replace].
// `blank` says which characters count as white space (default: all of Unicode's).
function collapse(s, blank) {
  if (typeof s !== 'string') {
    return '';
  }
  const isBlank = blank || isSpace;
  let out = '';
  let pendingSpace = false;
  for (let i = 0; i < s.length; i += 1) {
    if (isBlank(charCode(s, i))) {
      pendingSpace = out.length > 0;
    } else {
      if (pendingSpace) {
        out += ' ';
        pendingSpace = false;
      }
      out += s[i];
    }
  }
  return out;
}

function slice(s, start, end) {
  return call(B.stringSlice, s, end === undefined ? [start] : [start, end]);
}

function isHighSurrogate(code) {
  return code >= 0xd800 && code <= 0xdbff;
}

function truncate(s, max) {
  if (s.length <= max) {
    return s;
  }
  const end = isHighSurrogate(charCode(s, max - 1)) ? max - 1 : max;
  return slice(s, 0, end);
}

function truncateStart(s, max) {
  if (s.length <= max) {
    return s;
  }
  const start = isHighSurrogate(charCode(s, s.length - max - 1)) ? s.length - max + 1 : s.length - max;
  return slice(s, start);
}

function lower(s) {
  return typeof s === 'string' ? call(B.stringToLowerCase, s) : '';
}

function startsWith(s, prefix) {
  return typeof s === 'string' && call(B.stringIndexOf, s, [prefix]) === 0;
}

function contains(s, part) {
  return typeof s === 'string' && call(B.stringIndexOf, s, [part]) >= 0;
}

function tokens(s) {
  const out = [];
  const text = collapse(s);
  let current = '';
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === ' ') {
      append(out, current);
      current = '';
    } else {
      current += text[i];
    }
  }
  if (current) {
    append(out, current);
  }
  return out;
}

function join(list, separator) {
  let out = '';
  for (let i = 0; i < list.length; i += 1) {
    out += (i ? separator : '') + list[i];
  }
  return out;
}

function num(s) {
  const n = call(B.parseFloat, undefined, [s]);
  return call(B.isFinite, undefined, [n]) ? n : 0;
}

function round(n) {
  return call(B.mathRound, undefined, [n * 100]) / 100;
}

function clamp01(n) {
  return n < 0 ? 0 : n > 1 ? 1 : n;
}

