// Text as a person reads it: flat-tree order, hidden boxes skipped, block boundaries as spaces.

const MAX_TEXT = 300;
const TEXT_BUDGET = 1200;
// Elements whose text is never shown as text.
const NEVER_TEXT_TAGS = {
  __proto__: null,
  script: true,
  style: true,
  noscript: true,
  template: true,
  head: true,
  title: true,
};
// A select's options and a textarea's text are values, not words on the page.
const SKIP_TEXT_TAGS = { __proto__: null, ...NEVER_TEXT_TAGS, select: true, textarea: true };

// ---------------------------------------------------------------- text

function blockLike(el) {
  const display = css(el, 'display');
  return !(startsWith(display, 'inline') || display === 'contents' || display === '');
}

// Boxes a person cannot read: the usual screen-reader-only tricks.
function visuallyHiddenBox(el) {
  if (css(el, 'opacity') === '0' || num(css(el, 'font-size')) === 0) {
    return true;
  }
  const position = css(el, 'position');
  if (position === 'absolute' || position === 'fixed') {
    const rect = rectOf(el);
    if (rect.width <= 1 && rect.height <= 1) {
      return true;
    }
    if (clippedAway(el, rect)) {
      return true;
    }
  }
  return false;
}

// Reads text in flat-tree order. spec: {exclude, skip(el), includeHidden, budget}.
// Records the element that holds the first visible text as the "carrier" for styling.
function collectText(start, spec) {
  const out = { text: '', carrier: null };
  visitText(start, spec, out, 0);
  out.text = collapse(out.text);
  return out;
}

function visitText(node, spec, out, depth) {
  if (out.text.length >= spec.budget || depth > MAX_DEPTH) {
    return;
  }
  const type = nodeType(node);
  if (type === 3) {
    const data = tryCall(B.charData, node, EMPTY, '');
    const parent = composedParent(node);
    if (!spec.includeHidden && parent && css(parent, 'visibility') !== 'visible') {
      return;
    }
    if (!out.carrier && collapse(data)) {
      out.carrier = parent;
    }
    out.text += data;
    return;
  }
  if (type === 1) {
    if (node === spec.exclude || SKIP_TEXT_TAGS[htmlName(node)]) {
      return;
    }
    if (spec.skip && spec.skip(node)) {
      return;
    }
    if (!spec.includeHidden && (css(node, 'display') === 'none' || visuallyHiddenBox(node))) {
      return;
    }
    const block = blockLike(node);
    if (block) {
      out.text += ' ';
    }
    const kids = flatChildren(node);
    for (let i = 0; i < kids.length; i += 1) {
      visitText(kids[i], spec, out, depth + 1);
    }
    if (block) {
      out.text += ' ';
    }
    return;
  }
  if (type === 11) {
    const kids = childNodes(node);
    for (let i = 0; i < kids.length; i += 1) {
      visitText(kids[i], spec, out, depth + 1);
    }
  }
}
