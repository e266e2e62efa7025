// What surrounds a control: the words in its row, its radio group, the dialog or section it sits in.

const NEARBY_SIBLINGS = 12;

// Sibling subtrees that belong to another control (the control, its label, its row)
// would put the neighbour's words next to this one.
function belongsToOtherControl(node, self) {
  if (node === self || composedContains(node, self)) {
    return false;
  }
  if (isControlElement(node)) {
    return true;
  }
  if (htmlName(node) === 'label') {
    const control = tryCall(B.labelControl, node, EMPTY, null);
    if (control && control !== self) {
      return true;
    }
  }
  const inner = querySelectorAll(node, CONTROL_SELECTOR);
  for (let i = 0; i < inner.length; i += 1) {
    if (classify(inner[i])) {
      return true;
    }
  }
  return false;
}

// The visible words in the same row as the control: climb a few levels and read the
// siblings of the branch that holds it, nearest first.
function nearbyText(el) {
  const spec = { skip: (node) => belongsToOtherControl(node, el), budget: TEXT_BUDGET };
  let branch = el;
  for (let level = 0; level < 4; level += 1) {
    const parent = parentNode(branch);
    const parentName = htmlName(parent);
    if (!parent || nodeType(parent) === 9 || parentName === 'body' || parentName === 'html') {
      break;
    }
    // Only the nearest siblings: in a flat list of hundreds of rows, reading them all for
    // every control made one observation quadratic.
    const after = { text: '', carrier: null };
    let next = tryCall(B.nextSibling, branch, EMPTY, null);
    for (let n = 0; next && n < NEARBY_SIBLINGS && after.text.length < TEXT_BUDGET; n += 1) {
      visitText(next, spec, after, 0);
      next = tryCall(B.nextSibling, next, EMPTY, null);
    }
    // Walk backwards so a long paragraph far above cannot crowd out the words just before.
    let before = '';
    let beforeCarrier = null;
    let previous = tryCall(B.previousSibling, branch, EMPTY, null);
    for (let n = 0; previous && n < NEARBY_SIBLINGS && before.length < TEXT_BUDGET; n += 1) {
      const part = collectText(previous, spec);
      if (part.text) {
        before = before ? part.text + ' ' + before : part.text;
        beforeCarrier = beforeCarrier || part.carrier;
      }
      previous = tryCall(B.previousSibling, previous, EMPTY, null);
    }
    const textAfter = collapse(after.text);
    if (before || textAfter) {
      return {
        text: pickNearby(before, textAfter),
        carrier: textAfter ? after.carrier : beforeCarrier,
      };
    }
    branch = nodeType(parent) === 11 ? shadowHost(parent) : parent;
    if (!branch) {
      break;
    }
  }
  return { text: '', carrier: null };
}

function pickNearby(before, after) {
  const both = before && after ? before + ' ' + after : before || after;
  if (both.length <= MAX_TEXT) {
    return both;
  }
  if (!before || !after) {
    return after ? truncate(after, MAX_TEXT) : truncateStart(before, MAX_TEXT);
  }
  // Keep words from both sides of the control; the ones after it are usually its label,
  // so they get at least two thirds of the room.
  const room = MAX_TEXT - 1;
  const minimumBefore = (room / 3) | 0;
  const beforeRoom = room - after.length > minimumBefore ? room - after.length : minimumBefore;
  return truncateStart(before, beforeRoom) + ' ' + truncate(after, room - beforeRoom);
}

function groupName(el, info) {
  if (info.native && info.inputType === 'radio') {
    const name = attr(el, 'name');
    if (name) {
      return name;
    }
  }
  const group = closest(el, '[role~=radiogroup i],[role~=group i],fieldset');
  if (!group) {
    return '';
  }
  const byRef = labelledByText(group).text;
  if (byRef) {
    return truncate(byRef, MAX_TEXT);
  }
  const ariaLabel = collapse(attr(group, 'aria-label'));
  if (ariaLabel) {
    return truncate(ariaLabel, MAX_TEXT);
  }
  if (htmlName(group) === 'fieldset') {
    const kids = childNodes(group);
    for (let i = 0; i < kids.length; i += 1) {
      if (htmlName(kids[i]) === 'legend') {
        return truncate(collectText(kids[i], { includeHidden: true, budget: TEXT_BUDGET }).text, MAX_TEXT);
      }
    }
  }
  return '';
}

// What the dialog, section or group a control sits in asks ("We use cookies"), so a bare "Livechat" switch
// in a consent dialog can be judged by the dialog's question. A dialog is known by its role, or by being
// a fixed-position layer over the page (how cookie banners and modals are drawn); it speaks through its
// name and its description, or else its first heading and first paragraph.
const CONTEXT_SELECTOR =
  'dialog,[role~=dialog i],[role~=alertdialog i],[aria-modal=true i],[role~=region i],' +
  '[role~=group i],[role~=radiogroup i],fieldset,section,aside,form,table';
const DIALOG_SELECTOR = 'dialog,[role~=dialog i],[role~=alertdialog i],[aria-modal=true i]';
const HEADING_SELECTOR = 'legend,caption,h1,h2,h3,h4,h5,h6,[role~=heading i]';
const MAX_CONTEXT_PARTS = 3;

function referencedText(el, attribute) {
  const ids = tokens(attr(el, attribute));
  const root = rootOf(el);
  const parts = [];
  for (let i = 0; i < ids.length; i += 1) {
    const target = getElementById(root, ids[i]);
    const text = target ? collectText(target, { includeHidden: true, budget: TEXT_BUDGET }).text : '';
    if (text) {
      append(parts, text);
    }
  }
  return join(parts, ' ');
}

function firstText(container, selector) {
  const found = querySelectorAll(container, selector);
  for (let i = 0; i < found.length && i < 3; i += 1) {
    const text = collectText(found[i], { includeHidden: true, budget: TEXT_BUDGET }).text;
    if (text) {
      return text;
    }
  }
  return '';
}

function containerName(container) {
  return (
    referencedText(container, 'aria-labelledby') ||
    collapse(attr(container, 'aria-label')) ||
    firstText(container, HEADING_SELECTOR)
  );
}

function containerDescription(container) {
  return (
    referencedText(container, 'aria-describedby') ||
    collapse(attr(container, 'aria-description')) ||
    truncate(firstText(container, 'p'), MAX_TEXT)
  );
}

function isDialog(el) {
  return matches(el, DIALOG_SELECTOR) || css(el, 'position') === 'fixed';
}

function contextName(el) {
  const parts = [];
  const body = tryCall(B.docBody, doc, EMPTY, null);
  for (let n = composedParent(el), depth = 0; n && n !== body && depth < 64; n = composedParent(n), depth += 1) {
    const dialog = isDialog(n);
    if (!dialog && !matches(n, CONTEXT_SELECTOR)) {
      continue;
    }
    const name = containerName(n);
    if (name) {
      append(parts, name);
    }
    const description = dialog ? containerDescription(n) : '';
    if (description && description !== name) {
      append(parts, description);
    }
    if (parts.length >= MAX_CONTEXT_PARTS) {
      break;
    }
  }
  return truncate(join(parts, ' / '), MAX_TEXT);
}
