// CSS generated content (::before, ::after, and an element's own `content: ... / "alt"`) as text for
// accessible names, read from computed styles with a small tokenizer instead of the page's RegExp.

const pseudoStyles = { __proto__: null, '::before': new B.WeakMap(), '::after': new B.WeakMap() };

function pseudoCss(el, pseudo, property) {
  const cache = pseudoStyles[pseudo];
  try {
    let style = call(B.weakMapGet, cache, [el]);
    if (!style) {
      style = call(B.getComputedStyle, window, [el, pseudo]);
      call(B.weakMapSet, cache, [el, style]);
    }
    return call(B.getPropertyValue, style, [property]);
  } catch (e) {
    return '';
  }
}

// The value of a hexadecimal digit's character code, or -1.
function hexDigit(c) {
  if (c >= 48 && c <= 57) {
    return c - 48;
  }
  if ((c >= 65 && c <= 70) || (c >= 97 && c <= 102)) {
    return (c | 32) - 87;
  }
  return -1;
}

// A quoted CSS string starting at `start`: {value, end} with escapes resolved.
function readCssString(s, start) {
  const quote = s[start];
  let value = '';
  let i = start + 1;
  while (i < s.length && s[i] !== quote) {
    if (s[i] !== '\\') {
      value += s[i];
      i += 1;
      continue;
    }
    i += 1;
    let digits = 0;
    let code = 0;
    while (digits < 6 && i < s.length && hexDigit(charCode(s, i)) >= 0) {
      code = code * 16 + hexDigit(charCode(s, i));
      digits += 1;
      i += 1;
    }
    if (digits) {
      value += tryCall(B.fromCodePoint, undefined, [code > 0 && code <= 0x10ffff ? code : 0xfffd], '');
      if (i < s.length && isSpace(charCode(s, i))) {
        i += 1;
      }
    } else if (i < s.length) {
      // An escaped newline continues the string; any other character stands for itself.
      value += s[i] === '\n' ? '' : s[i];
      i += 1;
    }
  }
  return { value, end: i + 1 };
}

function endsName(s, i) {
  const c = s[i];
  return c === '(' || c === '/' || c === '"' || c === "'" || isSpace(charCode(s, i));
}

// The value of `content` as a list of tokens: {type: 'string'|'function'|'ident'|'slash', value, args}.
function cssContentTokens(s) {
  const out = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (isSpace(charCode(s, i))) {
      i += 1;
    } else if (c === '"' || c === "'") {
      const str = readCssString(s, i);
      append(out, { type: 'string', value: str.value, args: '' });
      i = str.end;
    } else if (c === '/') {
      append(out, { type: 'slash', value: '/', args: '' });
      i += 1;
    } else {
      let name = '';
      while (i < s.length && !endsName(s, i)) {
        name += s[i];
        i += 1;
      }
      if (i < s.length && s[i] === '(') {
        let depth = 1;
        let args = '';
        i += 1;
        while (i < s.length && depth > 0) {
          if (s[i] === '"' || s[i] === "'") {
            const str = readCssString(s, i);
            args += '"' + str.value + '"';
            i = str.end;
            continue;
          }
          depth += s[i] === '(' ? 1 : s[i] === ')' ? -1 : 0;
          if (depth > 0) {
            args += s[i];
          }
          i += 1;
        }
        append(out, { type: 'function', value: lower(name), args: collapse(args) });
      } else {
        append(out, { type: 'ident', value: lower(name), args: '' });
      }
    }
  }
  return out;
}

// Text of a `content` value: its alternative text after "/" when there is one, else its strings and attr()
// values (only for pseudo-elements: an element's own content without alternative text is an image).
function contentText(el, value, isPseudo) {
  if (!value || value === 'none' || value === 'normal') {
    return null;
  }
  const list = cssContentTokens(value);
  let start = 0;
  for (let i = 0; i < list.length; i += 1) {
    if (list[i].type === 'slash') {
      start = i + 1;
    }
  }
  if (start === 0 && !isPseudo) {
    return null;
  }
  let text = '';
  for (let i = start; i < list.length; i += 1) {
    const token = list[i];
    if (token.type === 'string') {
      text += token.value;
    } else if (token.type === 'function' && token.value === 'attr') {
      text += attr(el, tokens(token.args)[0] || '') || '';
    }
    // Images, counters and quotes carry no text of their own.
  }
  return text;
}

// What ::before or ::after adds to a name; a box that is not inline is set apart by spaces.
function generatedText(el, pseudo, includeHidden) {
  // Most elements have no generated content: ask for it first, the box's style only when there is some.
  const text = contentText(el, pseudoCss(el, pseudo, 'content'), true);
  if (!text) {
    return '';
  }
  const display = pseudoCss(el, pseudo, 'display');
  if (display === 'none' || (!includeHidden && pseudoCss(el, pseudo, 'visibility') !== 'visible')) {
    return '';
  }
  return display === 'inline' ? text : ' ' + text + ' ';
}

// An element whose own `content` replaces it (an image with alternative text), or null.
function replacedContentText(el) {
  const value = css(el, 'content');
  return value && value !== 'normal' && value !== 'none' ? contentText(el, value, false) : null;
}
