// Accessible names and descriptions as W3C accname 1.2 computes them (https://w3c.github.io/accname/),
// with the browsers' readings where the spec is loose (the whitespace between inline parts, a combobox
// drawn as text). Step letters below are the spec's.
//
// One deliberate difference: a control that is itself hidden (an input under a drawn switch, a menu not yet
// open) is named as if it were shown, where the spec gives it no name: the crawler still has to know
// what a hidden box would consent to.

// Which computation last used each element (a node counts once in a computation): one map for all,
// instead of a set per computation.
const usedBy = new B.WeakMap();
let computations = 0;

// One computation: the element being named, where the first visible text of the result sits (salience
// measures its font and contrast), which step named the root, and how much text it has read.
function newComputation(root) {
  computations += 1;
  return { root, id: computations, carrier: null, source: 'none', read: 0 };
}

function visited(c, el) {
  return tryCall(B.weakMapGet, usedBy, [el], undefined) === c.id;
}

function visit(c, el) {
  tryCall(B.weakMapSet, usedBy, [el, c.id], undefined);
}

// Sets the source when the root itself is named by this step.
function named(c, isRoot, source, text) {
  if (isRoot) {
    c.source = source;
  }
  return text;
}

// ---------------------------------------------------------------- flat strings

function isNameSpace(code) {
  return code !== 0xa0 && isSpace(code);
}

// A flat string: runs of white space become one space, a no-break space stays, and the ends are trimmed
// (no-break spaces included).
function flatString(s) {
  const out = collapse(s, isNameSpace);
  let start = 0;
  let end = out.length;
  while (start < end && isSpace(charCode(out, start))) {
    start += 1;
  }
  while (end > start && isSpace(charCode(out, end - 1))) {
    end -= 1;
  }
  return start === 0 && end === out.length ? out : slice(out, start, end);
}

function hasText(s) {
  if (typeof s !== 'string') {
    return false;
  }
  for (let i = 0; i < s.length; i += 1) {
    if (!isSpace(charCode(s, i))) {
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------- hidden content

// Hidden in accname's sense: not rendered (display:none here or above, visibility), or in aria-hidden=true.
function isHiddenForNames(el) {
  if (!rendered(el)) {
    return true;
  }
  for (let n = el, i = 0; n && i < MAX_DEPTH; i += 1) {
    if (closest(n, '[aria-hidden=true i]')) {
      return true;
    }
    const root = rootOf(n);
    n = root && nodeType(root) === 11 ? shadowHost(root) : null;
  }
  return false;
}

// ---------------------------------------------------------------- references and labels

function idRefs(el, name) {
  const ids = tokens(attr(el, name));
  if (!ids.length) {
    return ids;
  }
  const root = rootOf(el);
  const out = [];
  for (let i = 0; i < ids.length; i += 1) {
    const target = getElementById(root, ids[i]);
    if (target) {
      append(out, target);
    }
  }
  return out;
}

const LABELS_GETTERS = {
  __proto__: null,
  input: B.inputLabels,
  button: B.buttonLabels,
  select: B.selectLabels,
  textarea: B.textAreaLabels,
};

function nativeLabels(el) {
  const getter = LABELS_GETTERS[htmlName(el)];
  return getter ? nodeListToArray(tryCall(getter, el, EMPTY, null)) : [];
}

// Each referenced node (or label) starts a traversal of its own: hidden content counts in it when the node
// itself is hidden.
function traverseEach(nodes, c, via, depth) {
  const parts = [];
  for (let i = 0; i < nodes.length; i += 1) {
    const hidden = isHiddenForNames(nodes[i]);
    const how = { via, includeHidden: hidden, includeAriaHidden: hidden };
    const text = textAlternative(nodes[i], c, how, depth + 1);
    if (hasText(text)) {
      append(parts, text);
    }
  }
  return join(parts, ' ');
}

// ---------------------------------------------------------------- the text alternative of one node

// how: {via: 'self' (the root) | 'content' | 'label' | 'labelledby' | 'describedby', includeHidden (content
// not rendered counts), includeAriaHidden}. Below the node a traversal starts from, the walk is top-down,
// so each element only has to answer for itself.
function textAlternative(el, c, how, depth) {
  if (depth > MAX_DEPTH || visited(c, el) || NEVER_TEXT_TAGS[htmlName(el)]) {
    return '';
  }
  const isRoot = how.via === 'self';
  // 2A: hidden and not reached through a hidden reference. A visibility:hidden box may still hold visible
  // children, so only its own contribution is dropped.
  if (!isRoot) {
    if ((!how.includeAriaHidden && lower(attr(el, 'aria-hidden')) === 'true') ||
        (!how.includeHidden && css(el, 'display') === 'none')) {
      visit(c, el);
      return '';
    }
    if (!how.includeHidden && css(el, 'visibility') !== 'visible') {
      visit(c, el);
      return contentOf(el, c, how, depth);
    }
  }
  // A slot is where its assigned nodes render, nothing of its own.
  if (htmlName(el) === 'slot') {
    visit(c, el);
    return contentOf(el, c, how, depth);
  }
  const role = roleOf(el);
  // 2B: aria-labelledby, unless this node was itself reached through a reference.
  if (how.via !== 'labelledby' && how.via !== 'describedby') {
    const refs = idRefs(el, 'aria-labelledby');
    if (refs.length) {
      const text = traverseEach(refs, c, 'labelledby', depth);
      if (hasText(text)) {
        visit(c, el);
        return named(c, isRoot, 'aria-labelledby', text);
      }
    }
  }
  visit(c, el);
  // 2C: a control inside the label of another one stands for its value.
  if (!isRoot && el !== c.root) {
    const value = embeddedValue(el, role, c, how, depth);
    if (value !== null) {
      return value;
    }
  }
  // 2D
  const ariaLabel = attr(el, 'aria-label');
  if (hasText(ariaLabel)) {
    return named(c, isRoot, 'aria-label', ariaLabel);
  }
  const presentational = role === 'presentation' || role === 'none';
  // 2E: the host language's own text alternative (labels, value, alt).
  if (!presentational) {
    const native = hostLanguageName(el, c, how, depth);
    if (native !== null) {
      return named(c, isRoot, native.source, native.text);
    }
  }
  // 2F-2H: name from content.
  const fromContent = isRoot
    ? NAME_FROM_CONTENT[role]
    : how.via !== 'content' || NAME_FROM_CONTENT[role] || CONTENT_INSIDE_NAME[role];
  if (fromContent) {
    const text = contentOf(el, c, how, depth);
    // Inside a name, white space alone still separates its neighbours.
    if (isRoot ? hasText(text) : text) {
      return named(c, isRoot, 'content', text);
    }
  }
  // 2I: tooltip.
  const title = attr(el, 'title');
  if (!presentational && hasText(title)) {
    return named(c, isRoot, 'title', title);
  }
  return '';
}

// ---------------------------------------------------------------- 2C: embedded controls

function embeddedValue(el, role, c, how, depth) {
  const name = htmlName(el);
  if (role === 'textbox' || role === 'searchbox') {
    if (name === 'input') {
      return inputType(el) === 'password' ? '' : tryCall(B.inputValue, el, EMPTY, '');
    }
    return name === 'textarea' ? tryCall(B.textAreaValue, el, EMPTY, '') : textContent(el);
  }
  if (role === 'combobox' || role === 'listbox') {
    if (name === 'select') {
      return selectedOptionsText(el, c, how, depth);
    }
    if (name === 'input') {
      return tryCall(B.inputValue, el, EMPTY, '');
    }
    const listbox = role === 'listbox' ? el : listboxOf(el);
    // A combobox drawn as plain text names itself by that text, as browsers read it.
    return listbox ? ariaSelectedText(listbox, c, how, depth) : contentOf(el, c, how, depth);
  }
  if (RANGE_ROLES[role]) {
    const valueText = attr(el, 'aria-valuetext');
    if (hasText(valueText)) {
      return valueText;
    }
    const valueNow = attr(el, 'aria-valuenow');
    if (hasText(valueNow)) {
      return valueNow;
    }
    return name === 'input' ? tryCall(B.inputValue, el, EMPTY, '') : attr(el, 'value') || '';
  }
  // A menu inside a label is a list of choices, not a value (accname issue 67).
  return role === 'menu' ? '' : null;
}

function selectedOptionsText(select, c, how, depth) {
  const selected = toArray(
    tryCall(B.selectSelectedOptions, select, EMPTY, null),
    B.collectionLength,
    B.collectionItem,
  );
  // Options of a closed select are not rendered, yet the chosen one is what the select shows.
  return traverseOptions(selected, c, { ...inside(how), includeHidden: true }, depth);
}

function ariaSelectedText(listbox, c, how, depth) {
  const options = querySelectorAll(listbox, '[role~=option i][aria-selected=true i]');
  return traverseOptions(options, c, inside(how), depth);
}

function traverseOptions(options, c, how, depth) {
  const parts = [];
  for (let i = 0; i < options.length; i += 1) {
    const text = textAlternative(options[i], c, how, depth + 1);
    if (hasText(text)) {
      append(parts, text);
    }
  }
  return join(parts, ' ');
}

function listboxOf(combobox) {
  const nested = querySelectorAll(combobox, '[role~=listbox i]');
  if (nested.length) {
    return nested[0];
  }
  const refs = idRefs(combobox, 'aria-controls');
  const owned = idRefs(combobox, 'aria-owns');
  for (let i = 0; i < owned.length; i += 1) {
    append(refs, owned[i]);
  }
  for (let i = 0; i < refs.length; i += 1) {
    if (roleOf(refs[i]) === 'listbox') {
      return refs[i];
    }
  }
  return null;
}

// ---------------------------------------------------------------- 2E: host language

const TEXT_INPUTS = {
  __proto__: null,
  text: true,
  password: true,
  search: true,
  tel: true,
  email: true,
  url: true,
};

// {text, source} when HTML gives this element its text alternative (even an empty one), else null.
function hostLanguageName(el, c, how, depth) {
  const name = htmlName(el);
  if (name === 'input') {
    return inputName(el, c, how, depth);
  }
  if (name === 'textarea' || name === 'select') {
    return labelledFormControl(el, c, depth, name === 'textarea');
  }
  if (name === 'button') {
    const byLabel = traverseEach(nativeLabels(el), c, 'label', depth);
    return hasText(byLabel) ? { text: byLabel, source: 'label' } : null;
  }
  if (name === 'img' || name === 'area') {
    const alt = attr(el, 'alt');
    if (hasText(alt)) {
      return { text: alt, source: 'alt' };
    }
    const title = attr(el, 'title');
    return { text: title || '', source: hasText(title) ? 'title' : 'none' };
  }
  if (localName(el) === 'svg' && !isHTML(el)) {
    const kids = tryCall(B.elemChildren, el, EMPTY, null);
    const first = kids && call(B.collectionLength, kids) ? call(B.collectionItem, kids, [0]) : null;
    if (first && localName(first) === 'title' && hasText(textContent(first))) {
      return { text: textContent(first), source: 'title' };
    }
  }
  return null;
}

function inputName(el, c, how, depth) {
  const type = inputType(el);
  if (type === 'button' || type === 'submit' || type === 'reset') {
    const value = tryCall(B.inputValue, el, EMPTY, '');
    if (hasText(value)) {
      return { text: value, source: 'value' };
    }
    if (type !== 'button') {
      return { text: type === 'submit' ? 'Submit' : 'Reset', source: 'default' };
    }
    return null;
  }
  if (type === 'image') {
    if (how.via !== 'labelledby') {
      const byLabel = traverseEach(nativeLabels(el), c, 'label', depth);
      if (hasText(byLabel)) {
        return { text: byLabel, source: 'label' };
      }
    }
    const alt = attr(el, 'alt');
    if (hasText(alt)) {
      return { text: alt, source: 'alt' };
    }
    const title = attr(el, 'title');
    return hasText(title) ? { text: title, source: 'title' } : { text: 'Submit', source: 'default' };
  }
  return labelledFormControl(el, c, depth, !!TEXT_INPUTS[type]);
}

// Labels, then title, then (for text fields only) the placeholder; nothing else names a form field.
function labelledFormControl(el, c, depth, usesPlaceholder) {
  const byLabel = traverseEach(nativeLabels(el), c, 'label', depth);
  if (hasText(byLabel)) {
    return { text: byLabel, source: 'label' };
  }
  const title = attr(el, 'title');
  if (hasText(title)) {
    return { text: title, source: 'title' };
  }
  const placeholder = usesPlaceholder ? attr(el, 'placeholder') : null;
  if (hasText(placeholder)) {
    return { text: placeholder, source: 'placeholder' };
  }
  return { text: '', source: 'none' };
}

// ---------------------------------------------------------------- 2F-2H: name from content

function contentOf(el, c, how, depth) {
  const inner = inside(how);
  let text = generatedText(el, '::before', how.includeHidden);
  const replaced = replacedContentText(el);
  if (replaced !== null) {
    text += replaced;
  } else {
    const kids = flatChildren(el);
    for (let i = 0; i < kids.length && c.read < TEXT_BUDGET; i += 1) {
      const type = nodeType(kids[i]);
      if (type === 3) {
        text += textOfNode(kids[i], c, how);
      } else if (type === 1) {
        text += childText(kids[i], c, inner, depth);
      }
    }
    const owned = idRefs(el, 'aria-owns');
    for (let i = 0; i < owned.length; i += 1) {
      text += childText(owned[i], c, inner, depth);
    }
  }
  return text + generatedText(el, '::after', how.includeHidden);
}

// How the children of a node are reached: a root's are its content, any other's share its traversal.
function inside(how) {
  return how.via === 'self' ? { ...how, via: 'content' } : how;
}

// Inline children run on ("foo<b>bar</b>" reads "foobar"); any other box is set apart by spaces.
function childText(child, c, how, depth) {
  const text = textAlternative(child, c, how, depth + 1);
  return css(child, 'display') === 'inline' && htmlName(child) !== 'br' ? text : ' ' + text + ' ';
}

function textOfNode(node, c, how) {
  const data = tryCall(B.charData, node, EMPTY, '');
  const parent = composedParent(node);
  if (!how.includeHidden && parent && css(parent, 'visibility') !== 'visible') {
    return '';
  }
  c.read += data.length;
  if (!c.carrier && parent && hasText(data) && isCarrier(parent, how)) {
    c.carrier = parent;
  }
  return data;
}

// Text a person can actually see: not hidden, not shrunk or clipped away by a screen-reader-only class.
function isCarrier(el, how) {
  if (how.includeHidden && (!rendered(el) || css(el, 'visibility') !== 'visible')) {
    return false;
  }
  return !visuallyHiddenBox(el);
}

// ---------------------------------------------------------------- entry points

function computeName(el) {
  const c = newComputation(el);
  // A hidden control is read as if it were shown: what hides it does not hide its content, aria-hidden
  // parts inside it still do.
  const how = { via: 'self', includeHidden: isHiddenForNames(el), includeAriaHidden: false };
  const text = flatString(textAlternative(el, c, how, 0));
  return { text, source: text ? c.source : 'none', carrier: text ? c.carrier : null };
}

// {text, source, carrier, elements}: the name, the step that gave it, the element holding its first visible
// text, and the elements it was read from (the labels or the referenced nodes).
function accessibleName(el, info, labels) {
  const found = computeName(el);
  let elements = [];
  if (found.source === 'aria-labelledby') {
    elements = idRefs(el, 'aria-labelledby');
  } else if (found.source === 'label') {
    elements = labels && labels.length ? labels : nativeLabels(el);
  }
  return { text: found.text, source: found.source, carrier: found.carrier, elements };
}

// The name an element's aria-labelledby gives it (dialogs and groups around a control), or ''.
function labelledByText(el) {
  const refs = idRefs(el, 'aria-labelledby');
  if (!refs.length) {
    return { text: '', carrier: null, elements: refs };
  }
  const c = newComputation(el);
  const text = flatString(traverseEach(refs, c, 'labelledby', 0));
  return { text, carrier: c.carrier, elements: refs };
}

// The accessible description: aria-describedby, else aria-description, else a title that is not the name.
function accessibleDescription(el, nameSource) {
  const refs = idRefs(el, 'aria-describedby');
  if (refs.length) {
    const text = flatString(traverseEach(refs, newComputation(el), 'describedby', 0));
    if (text) {
      return text;
    }
  }
  const description = flatString(attr(el, 'aria-description'));
  if (description) {
    return description;
  }
  return nameSource === 'title' ? '' : flatString(attr(el, 'title'));
}
