// One observation of this frame: every control with its state, name, geometry and salience.

// ---------------------------------------------------------------- walking the frame

let uninspectable = [];

function note(reason, detail) {
  append(uninspectable, { reason, detail: truncate(detail, MAX_TEXT) });
}

function describeBox(rect) {
  return call(B.mathRound, undefined, [rect.width]) + 'x' + call(B.mathRound, undefined, [rect.height]) +
    ' at ' + call(B.mathRound, undefined, [rect.x]) + ',' + call(B.mathRound, undefined, [rect.y]);
}

function describeElement(el) {
  const id = attr(el, 'id');
  return '<' + localName(el) + (id ? ' id="' + truncate(id, 60) + '"' : '') + '>';
}

function checkOpaqueWidget(el) {
  const name = htmlName(el);
  if (name === 'canvas') {
    const rect = rectOf(el);
    if (rect.width >= 40 && rect.height >= 20 && !hiddenReason(el)) {
      note('canvas', 'canvas ' + describeBox(rect) + ': canvas-drawn widget, controls inside cannot be read');
    }
  } else if (name === 'embed' || name === 'object') {
    const rect = rectOf(el);
    if (rect.width > 1 && rect.height > 1 && rendered(el)) {
      const type = attr(el, 'type');
      note('plugin', name + (type ? ' type=' + type : '') + ' ' + describeBox(rect) + ': plugin content cannot be read');
    }
  }
}

// A custom element that renders something yet has no light DOM and no shadow root we can
// reach is most likely hosting a closed (e.g. declarative) shadow root.
function checkUnreachableShadow(el) {
  if (!contains(localName(el), '-')) {
    return;
  }
  const kids = tryCall(B.elemChildren, el, EMPTY, null);
  if (!kids || call(B.collectionLength, kids) > 0 || collapse(textContent(el))) {
    return;
  }
  const rect = rectOf(el);
  if (rect.width >= 4 && rect.height >= 4 && rendered(el)) {
    note(
      'closed-shadow-unreachable',
      describeElement(el) + ' ' + describeBox(rect) + ': renders content but exposes no reachable shadow root',
    );
  }
}

// Collects [element, chain] pairs in document order, each shadow tree right after its host.
function walk(root, chain, found) {
  const elements = querySelectorAll(root, '*');
  for (let i = 0; i < elements.length; i += 1) {
    const el = elements[i];
    try {
      const id = attr(el, 'id');
      if (id) {
        idCounts[id] = (idCounts[id] || 0) + 1;
      }
      if (classify(el)) {
        append(found, { element: el, chain });
      }
      checkOpaqueWidget(el);
      const shadow = shadowRootOf(el);
      if (shadow && chain.length < MAX_DEPTH) {
        const inner = [];
        for (let j = 0; j < chain.length; j += 1) {
          append(inner, chain[j]);
        }
        append(inner, { host: el, root: shadow });
        walk(shadow, inner, found);
      } else if (!shadow) {
        checkUnreachableShadow(el);
      }
    } catch (e) {
      note('error', describeElement(el) + ': ' + errorMessage(e));
    }
  }
}

function errorMessage(e) {
  try {
    return typeof e === 'object' && e !== null && typeof e.message === 'string' ? e.message : 'error';
  } catch (err) {
    return 'error';
  }
}

function describeControl(el, chain) {
  const info = classify(el);
  const labels = labelsOf(el);
  const name = accessibleName(el, info, labels);
  const nearby = nearbyText(el);

  let proxy = null;
  const ownHidden = hiddenReason(el);
  if (ownHidden && info.native) {
    proxy = findProxy(el, labels);
  }
  const seen = proxy ? proxy.element : el;
  const visible = proxy ? true : ownHidden === null;
  const rect = rectOf(seen);
  const related = [el, seen];
  for (let i = 0; i < labels.length; i += 1) {
    append(related, labels[i]);
  }
  for (let i = 0; i < name.elements.length; i += 1) {
    append(related, name.elements[i]);
  }

  const innermost = chain.length ? chain[chain.length - 1].root : null;
  // Pressing a stand-in drawn next to a hidden input is acting on the input.
    const acted = wasTouched(el) || (!!proxy && proxy.kind === 'sibling' && wasTouched(proxy.element));

  return {
    kind: ROLE_KIND[info.role],
    native: info.native,
    role: info.role,
    checked: checkedState(el, info),
    disabled: isDisabled(el, info),
    required: isRequired(el, info),
    label: truncate(name.text, MAX_TEXT),
    label_source: name.source,
    description: truncate(accessibleDescription(el, name.source), MAX_TEXT),
    nearby_text: nearby.text,
    name: attr(el, 'name') || '',
    value: attr(el, 'value') || '',
    id: attr(el, 'id') || '',
    group: groupName(el, info),
    context: contextName(el),
    visible,
    proxy: proxy ? proxy.kind : 'none',
    rect,
    element_rect: rectOf(el),
    opacity: round(effectiveOpacity(seen)),
    // Whether an invisible control is covered cannot be judged.
    covered: visible && isCovered(rect, related),
    label_style: labelStyle(name.carrier || nearby.carrier),
    shadow: chain.length > 0,
    shadow_mode: innermost ? tryCall(B.shadowMode, innermost, EMPTY, null) : null,
    selector: selectorFor(el, chain),
    acted,
    tag: localName(el),
  };
}

function documentHeight() {
  const root = tryCall(B.docDocumentElement, doc, EMPTY, null);
  const body = tryCall(B.docBody, doc, EMPTY, null);
  const a = root ? tryCall(B.scrollHeight, root, EMPTY, 0) : 0;
  const b = body ? tryCall(B.scrollHeight, body, EMPTY, 0) : 0;
  return a > b ? a : b;
}

// ---------------------------------------------------------------- main

function observe(options) {
  followDocument();
  uninspectable = [];
  idCounts = { __proto__: null };
  opacityCache = new B.WeakMap();
  const found = [];
  walk(doc, [], found);

  const controls = [];
  for (let i = 0; i < found.length; i += 1) {
    try {
      append(controls, describeControl(found[i].element, found[i].chain));
    } catch (e) {
      note('error', describeElement(found[i].element) + ': ' + errorMessage(e));
    }
  }

  if (options && options.reset) {
    forgetTouched();
  }

  return {
    url: location.href,
    instrumented: true,
    viewport: viewport(),
    scroll: { x: call(B.scrollX, window), y: call(B.scrollY, window) },
    document_height: documentHeight(),
    automation_probed: takeProbes(),
    uninspectable,
    controls,
  };
}

// Say what broke instead of throwing: the rest of the page is still worth recording.
function failed(e) {
  const message = typeof e === 'object' && e !== null ? 'snapshot failed' : 'snapshot failed: ' + e;
  return {
    url: location.href,
    instrumented: true,
    viewport: { width: 0, height: 0 },
    scroll: { x: 0, y: 0 },
    document_height: 0,
    automation_probed: [],
    uninspectable: [{ reason: 'error', detail: message }],
    controls: [],
  };
}

// A JSON string: it survives a page that broke Playwright's own serializer.
function snapshot(options) {
  let result;
  try {
    result = observe(options);
  } catch (e) {
    result = failed(e);
  }
  return toJSON(result);
}
