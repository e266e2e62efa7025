// How noticeable a label is: colours, WCAG contrast against the effective background, font size.

// ---------------------------------------------------------------- colours

function numbers(s) {
  const out = [];
  let current = '';
  const flush = () => {
    if (current) {
      append(out, contains(current, '%') ? num(current) / 100 : num(current));
      current = '';
    }
  };
  const open = call(B.stringIndexOf, s, ['(']);
  for (let i = open + 1; i < s.length; i += 1) {
    const c = s[i];
    if (c === ')') {
      break;
    }
    if (c === ',' || c === '/' || isSpace(charCode(s, i))) {
      flush();
    } else {
      current += c;
    }
  }
  flush();
  return out;
}

function parseColor(s) {
  if (!startsWith(s, 'rgb')) {
    return null;
  }
  const n = numbers(s);
  if (n.length < 3) {
    return null;
  }
  return { r: n[0], g: n[1], b: n[2], a: n.length > 3 ? clamp01(n[3]) : 1 };
}

function blend(top, alpha, bottom) {
  return {
    r: top.r * alpha + bottom.r * (1 - alpha),
    g: top.g * alpha + bottom.g * (1 - alpha),
    b: top.b * alpha + bottom.b * (1 - alpha),
    a: 1,
  };
}

function rgbString(c) {
  const r = call(B.mathRound, undefined, [c.r]);
  const g = call(B.mathRound, undefined, [c.g]);
  const b = call(B.mathRound, undefined, [c.b]);
  return 'rgb(' + r + ', ' + g + ', ' + b + ')';
}

function luminance(c) {
  const channel = (v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : call(B.mathPow, undefined, [(s + 0.055) / 1.055, 2.4]);
  };
  return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

function contrastRatio(a, b) {
  const la = luminance(a);
  const lb = luminance(b);
  return round(la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05));
}

// What shows behind the element: backgrounds stacked up to the first fully opaque one (or
// the white canvas), crossing shadow hosts, each faded by the opacity of its element and
// the element's ancestors.
function backdrop(chain, opacities) {
  const layers = [];
  for (let i = 0; i < chain.length; i += 1) {
    const c = parseColor(css(chain[i], 'background-color'));
    const alpha = c ? c.a * fadeFrom(opacities, i) : 0;
    if (alpha > 0) {
      append(layers, { color: c, alpha });
      if (alpha >= 1) {
        break;
      }
    }
  }
  let result = { r: 255, g: 255, b: 255, a: 1 };
  for (let i = layers.length - 1; i >= 0; i -= 1) {
    result = blend(layers[i].color, layers[i].alpha, result);
  }
  return result;
}

function fadeFrom(opacities, index) {
  let product = 1;
  for (let i = index; i < opacities.length; i += 1) {
    product *= opacities[i];
  }
  return product;
}

function labelStyle(carrier) {
  if (!isElement(carrier)) {
    return null;
  }
  const chain = [];
  const opacities = [];
  for (let n = carrier, i = 0; n && i < 4096; n = composedParent(n), i += 1) {
    append(chain, n);
    append(opacities, ownOpacity(n));
  }
  const opacity = round(fadeFrom(opacities, 0));
  const background = backdrop(chain, opacities);
  const raw = parseColor(css(carrier, 'color'));
  const color = raw ? blend(raw, raw.a * fadeFrom(opacities, 0), background) : null;
  return {
    font_size: round(num(css(carrier, 'font-size'))),
    color: color ? rgbString(color) : css(carrier, 'color'),
    background: rgbString(background),
    contrast: color ? contrastRatio(color, background) : null,
    opacity,
  };
}
