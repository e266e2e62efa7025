// Accessible names and descriptions (W3C accname).

function labelledByText(el) {
  const ids = tokens(attr(el, 'aria-labelledby'));
  const root = rootOf(el);
  const parts = [];
  const elements = [];
  let carrier = null;
  for (let i = 0; i < ids.length; i += 1) {
    const target = getElementById(root, ids[i]);
    if (!target) {
      continue;
    }
    // Referenced text counts even when hidden; prefer what is visible for the carrier.
    const visible = collectText(target, { budget: TEXT_BUDGET });
    const text = visible.text || collectText(target, { includeHidden: true, budget: TEXT_BUDGET }).text;
    if (text) {
      append(parts, text);
      append(elements, target);
      carrier = carrier || visible.carrier;
    }
  }
  return { text: join(parts, ' '), carrier, elements };
}

function nativeLabelText(el, labels) {
  const parts = [];
  let carrier = null;
  for (let i = 0; i < labels.length; i += 1) {
    const found = collectText(labels[i], { exclude: el, budget: TEXT_BUDGET });
    const text = found.text || collectText(labels[i], { exclude: el, includeHidden: true, budget: TEXT_BUDGET }).text;
    if (text) {
      append(parts, text);
      carrier = carrier || found.carrier;
    }
  }
  return { text: join(parts, ' '), carrier };
}

// Accessible name, in accname order. Roles that take their name from content (ARIA
// checkbox/switch/radio/button) use their own text before falling back to title.
function accessibleName(el, info, labels) {
  const byRef = labelledByText(el);
  if (byRef.text) {
    return { text: byRef.text, source: 'aria-labelledby', carrier: byRef.carrier, elements: byRef.elements };
  }
  const ariaLabel = collapse(attr(el, 'aria-label'));
  if (ariaLabel) {
    return { text: ariaLabel, source: 'aria-label', carrier: null, elements: [] };
  }
  if (labels.length) {
    const byLabel = nativeLabelText(el, labels);
    if (byLabel.text) {
      return { text: byLabel.text, source: 'label', carrier: byLabel.carrier, elements: labels };
    }
  }
  if (!info.native) {
    const own = collectText(el, { budget: TEXT_BUDGET });
    if (own.text) {
      return { text: own.text, source: 'content', carrier: own.carrier, elements: [] };
    }
  }
  const title = collapse(attr(el, 'title'));
  if (title) {
    return { text: title, source: 'title', carrier: null, elements: [] };
  }
  const placeholder = collapse(attr(el, 'placeholder'));
  if (placeholder) {
    return { text: placeholder, source: 'placeholder', carrier: null, elements: [] };
  }
  return { text: '', source: 'none', carrier: null, elements: [] };
}
