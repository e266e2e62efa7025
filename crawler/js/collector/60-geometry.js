// Where a control is drawn and whether a person can see it: rendering, clipping, opacity, covering.

// ---------------------------------------------------------------- style and geometry

const styleCache = new B.WeakMap();

function styleOf(el) {
  let style = call(B.weakMapGet, styleCache, [el]);
  if (!style) {
    style = call(B.getComputedStyle, window, [el]);
    call(B.weakMapSet, styleCache, [el, style]);
  }
  return style;
}

function css(el, property) {
  try {
    return call(B.getPropertyValue, styleOf(el), [property]);
  } catch (e) {
    return '';
  }
}

function rectOf(el) {
  try {
    const r = call(B.getBoundingClientRect, el);
    return {
      x: round(call(B.rectX, r)),
      y: round(call(B.rectY, r)),
      width: round(call(B.rectWidth, r)),
      height: round(call(B.rectHeight, r)),
    };
  } catch (e) {
    return { x: 0, y: 0, width: 0, height: 0 };
  }
}

function viewport() {
  return {
    width: call(B.innerWidth, window),
    height: call(B.innerHeight, window),
  };
}

let opacityCache = new B.WeakMap();

function ownOpacity(el) {
  const value = css(el, 'opacity');
  return value === '' ? 1 : clamp01(num(value));
}

// Product of opacity up the composed ancestor chain, memoised: every control asks for it
// several times and shares most of its ancestors with its neighbours.
function effectiveOpacity(el) {
  if (!el) {
    return 1;
  }
  let opacity = call(B.weakMapGet, opacityCache, [el]);
  if (opacity === undefined) {
    opacity = ownOpacity(el) * effectiveOpacity(composedParent(el));
    call(B.weakMapSet, opacityCache, [el, opacity]);
  }
  return opacity;
}

function rendered(el) {
  if (B.checkVisibility) {
    // Covers display:none on any flat-tree ancestor, content-visibility and visibility.
    return tryCall(B.checkVisibility, el, [
      { __proto__: null, checkVisibilityCSS: true, visibilityProperty: true },
    ], false);
  }
  for (let n = el, i = 0; n && i < 4096; n = composedParent(n), i += 1) {
    if (css(n, 'display') === 'none') {
      return false;
    }
  }
  return css(el, 'visibility') === 'visible';
}

// Whether `el` is clipped out of sight, by the rules of CSS: `overflow` clips only the descendants whose
// containing-block chain passes through the clipping box (a `position: fixed` panel escapes every ancestor
// that does not contain it), `overflow` on the root and on the body applies to the viewport, and
// `clip-path`, `contain: paint` and `clip` clip what they paint.
function clippedAway(el, rect) {
  const area = { left: rect.x, top: rect.y, right: rect.x + rect.width, bottom: rect.y + rect.height };
  if (clipOwnPaint(el, area)) {
    return true;
  }
  let position = css(el, 'position');
  const root = tryCall(B.docDocumentElement, doc, EMPTY, null);
  const body = tryCall(B.docBody, doc, EMPTY, null);
  for (let n = composedParent(el), i = 0; n && i < 4096; n = composedParent(n), i += 1) {
    // clip-path and paint containment clip whatever their element paints, fixed descendants included.
    if (clipOwnPaint(n, area)) {
      return true;
    }
    if (!inContainingBlockChain(n, position)) {
      continue;
    }
    if (n !== root && !(n === body && overflowReachesViewport(root))) {
      const clipsX = isClippingOverflow(css(n, 'overflow-x'));
      const clipsY = isClippingOverflow(css(n, 'overflow-y'));
      if ((clipsX || clipsY) && narrow(area, rectOf(n), clipsX, clipsY)) {
        return true;
      }
    }
    position = css(n, 'position');
  }
  return false;
}

// A box whose containing-block chain ends at the viewport moves with it: scrolling never brings it into view.
function fixedToViewport(el) {
  let position = css(el, 'position');
  for (let n = composedParent(el), i = 0; n && i < 4096; n = composedParent(n), i += 1) {
    if (inContainingBlockChain(n, position)) {
      position = css(n, 'position');
    }
  }
  return position === 'fixed';
}

// Is `n` on the containing-block chain of a box positioned `position` that sits inside it?
function inContainingBlockChain(n, position) {
  if (position === 'fixed') {
    return containsFixed(n);
  }
  if (position === 'absolute') {
    return css(n, 'position') !== 'static' || containsFixed(n);
  }
  return true;
}

// Elements that become the containing block of fixed-position descendants, taking them off the viewport.
function containsFixed(n) {
  return (
    css(n, 'transform') !== 'none' ||
    css(n, 'perspective') !== 'none' ||
    css(n, 'filter') !== 'none' ||
    css(n, 'backdrop-filter') !== 'none' ||
    paintContained(n) ||
    contains(css(n, 'contain'), 'layout') ||
    contains(css(n, 'will-change'), 'transform') ||
    contains(css(n, 'will-change'), 'filter')
  );
}

function paintContained(n) {
  const contain = css(n, 'contain');
  return contains(contain, 'paint') || contains(contain, 'strict') || contains(contain, 'content');
}

// With `overflow: visible` on the root, the body's overflow is the viewport's (CSS Overflow 3, 3.3).
function overflowReachesViewport(root) {
  return !root || (css(root, 'overflow-x') === 'visible' && css(root, 'overflow-y') === 'visible');
}

// Shrinks `area` to what `n`'s own clipping leaves of it; true when nothing is left.
function clipOwnPaint(n, area) {
  const box = rectOf(n);
  if (paintContained(n) && narrow(area, box, true, true)) {
    return true;
  }
  const clipPath = css(n, 'clip-path');
  if (clipPath && clipPath !== 'none') {
    const shape = clipPathBox(clipPath, box);
    if (shape && narrow(area, shape, true, true)) {
      return true;
    }
  }
  const clip = css(n, 'clip');
  if (startsWith(clip, 'rect(') && !contains(clip, 'auto')) {
    const parts = numbers(clip);
    if (parts.length === 4) {
      const shape = { x: box.x + parts[3], y: box.y + parts[0], width: parts[1] - parts[3], height: parts[2] - parts[0] };
      if (narrow(area, shape, true, true)) {
        return true;
      }
    }
  }
  return false;
}

// The box an `inset()`, `circle()` or `ellipse()` clip-path leaves of `box`; null for shapes not measured.
function clipPathBox(value, box) {
  if (startsWith(value, 'inset(')) {
    const sides = insetSides(value);
    // CSS box shorthand: which of the 1 to 4 values is the top, right, bottom and left.
    const order = INSET_ORDER[sides.length] || INSET_ORDER[1];
    const length = (k, size) => {
      const token = sides.length ? sides[order[k]] : '0';
      return contains(token, '%') ? (num(token) / 100) * size : num(token);
    };
    const top = length(0, box.height);
    const right = length(1, box.width);
    const bottom = length(2, box.height);
    const left = length(3, box.width);
    return { x: box.x + left, y: box.y + top, width: box.width - left - right, height: box.height - top - bottom };
  }
  if (startsWith(value, 'circle(') || startsWith(value, 'ellipse(')) {
    const parts = numbers(value);
    if (parts.length && parts[0] === 0) {
      return { x: box.x, y: box.y, width: 0, height: 0 };
    }
  }
  return null;
}

const INSET_ORDER = { __proto__: null, 1: [0, 0, 0, 0], 2: [0, 1, 0, 1], 3: [0, 1, 2, 1], 4: [0, 1, 2, 3] };

// The 1 to 4 lengths of `inset(...)`, before any `round` radius.
function insetSides(value) {
  const open = call(B.stringIndexOf, value, ['(']);
  const close = call(B.stringIndexOf, value, [')']);
  const parts = tokens(slice(value, open + 1, close < 0 ? value.length : close));
  const sides = [];
  for (let i = 0; i < parts.length && i < 4 && parts[i] !== 'round'; i += 1) {
    append(sides, parts[i]);
  }
  return sides;
}

function narrow(area, box, clipsX, clipsY) {
  if (clipsX) {
    area.left = area.left > box.x ? area.left : box.x;
    area.right = area.right < box.x + box.width ? area.right : box.x + box.width;
  }
  if (clipsY) {
    area.top = area.top > box.y ? area.top : box.y;
    area.bottom = area.bottom < box.y + box.height ? area.bottom : box.y + box.height;
  }
  return area.right - area.left <= 1 || area.bottom - area.top <= 1;
}

// Scroll containers are left out: a person can scroll what they hide into view.
function isClippingOverflow(value) {
  return value === 'hidden' || value === 'clip';
}

// Why a person cannot see this element, or null when they can.
function hiddenReason(el) {
  if (!rendered(el)) {
    return 'not-rendered';
  }
  if (round(effectiveOpacity(el)) < 0.1) {
    return 'transparent';
  }
  const rect = rectOf(el);
  if (rect.width <= 1 || rect.height <= 1) {
    return 'tiny';
  }
  const scrollX = call(B.scrollX, window);
  const scrollY = call(B.scrollY, window);
  // Left of or above the document: no amount of scrolling brings it into view.
  if (rect.x + rect.width + scrollX <= 0 || rect.y + rect.height + scrollY <= 0) {
    return 'off-screen';
  }
  const view = viewport();
  const outside = rect.x >= view.width || rect.y >= view.height || rect.x + rect.width <= 0 || rect.y + rect.height <= 0;
  if (outside && fixedToViewport(el)) {
    return 'off-screen';
  }
  if (clippedAway(el, rect)) {
    return 'clipped';
  }
  return null;
}



// A small, visible, textless element drawn in place of a hidden native input.
function isProxyCandidate(node, el) {
  if (!isElement(node) || node === el || isControlElement(node) || hiddenReason(node)) {
    return false;
  }
  const rect = rectOf(node);
  if (rect.width < 4 || rect.height < 4 || rect.width > 120 || rect.height > 80) {
    return false;
  }
  return collapse(textContent(node)).length <= 3;
}

function findProxy(el, labels) {
  const next = tryCall(B.nextElementSibling, el, EMPTY, null);
  const candidates = [next, next && tryCall(B.nextElementSibling, next, EMPTY, null), tryCall(B.previousElementSibling, el, EMPTY, null)];
  for (let i = 0; i < candidates.length; i += 1) {
    if (candidates[i] && isProxyCandidate(candidates[i], el)) {
      return { kind: 'sibling', element: candidates[i] };
    }
  }
  const wrapping = closest(el, 'label');
  if (wrapping) {
    const inside = querySelectorAll(wrapping, '*');
    for (let i = 0; i < inside.length; i += 1) {
      if (isProxyCandidate(inside[i], el)) {
        return { kind: 'sibling', element: inside[i] };
      }
    }
  }
  for (let i = 0; i < labels.length; i += 1) {
    if (!hiddenReason(labels[i])) {
      return { kind: 'label', element: labels[i] };
    }
  }
  return null;
}

// Deepest element at a point, descending through every shadow root we can reach.
function deepElementFromPoint(x, y) {
  let hit = tryCall(B.docElementFromPoint, doc, [x, y], null);
  for (let i = 0; hit && i < MAX_DEPTH; i += 1) {
    const root = shadowRootOf(hit);
    if (!root) {
      break;
    }
    const inner = tryCall(B.shadowElementFromPoint, root, [x, y], null);
    if (!inner || inner === hit) {
      break;
    }
    hit = inner;
  }
  return hit;
}

function isCovered(rect, related) {
  const view = viewport();
  const x = rect.x + rect.width / 2;
  const y = rect.y + rect.height / 2;
  if (x < 0 || y < 0 || x >= view.width || y >= view.height) {
    return false;
  }
  const hit = deepElementFromPoint(x, y);
  if (!hit) {
    return false;
  }
  for (let i = 0; i < related.length; i += 1) {
    const r = related[i];
    if (r && (hit === r || composedContains(r, hit) || composedContains(hit, r))) {
      return false;
    }
  }
  return true;
}

