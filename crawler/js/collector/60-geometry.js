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

function clippedAway(el, rect) {
  const clip = css(el, 'clip');
  if (startsWith(clip, 'rect(') && !contains(clip, 'auto')) {
    const parts = numbers(clip);
    if (parts.length === 4 && (parts[1] - parts[3] <= 1 || parts[2] - parts[0] <= 1)) {
      return true;
    }
  }
  const clipPath = css(el, 'clip-path');
  if (startsWith(clipPath, 'inset(') && (contains(clipPath, '50%') || contains(clipPath, '100%'))) {
    return true;
  }
  // Fully outside an ancestor that hides its overflow.
  let left = rect.x;
  let top = rect.y;
  let right = rect.x + rect.width;
  let bottom = rect.y + rect.height;
  for (let n = composedParent(el), i = 0; n && i < 4096; n = composedParent(n), i += 1) {
    const clipsX = isClippingOverflow(css(n, 'overflow-x'));
    const clipsY = isClippingOverflow(css(n, 'overflow-y'));
    if (!clipsX && !clipsY) {
      continue;
    }
    const box = rectOf(n);
    if (clipsX) {
      left = left > box.x ? left : box.x;
      right = right < box.x + box.width ? right : box.x + box.width;
    }
    if (clipsY) {
      top = top > box.y ? top : box.y;
      bottom = bottom < box.y + box.height ? bottom : box.y + box.height;
    }
    if (right - left <= 1 || bottom - top <= 1) {
      return true;
    }
  }
  return false;
}

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

