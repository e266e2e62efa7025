// The collector's entry points, reachable only through a window property whose name and key are
// random per browser context (GATE and KEY, defined by the loader). The page can neither guess them
// nor change the property, so it cannot erase a trusted event, read a closed root through us, or
// find the crawler by a well-known global.

// The name a person reads on a button or link they press, and what kind of element it is.
function describeTarget(el) {
  const info = classify(el) || { role: firstRole(el) || htmlName(el), native: false, inputType: '' };
  // A clicked <div> has no accessible name of its own; the words on it still say what was pressed.
  const name = accessibleName(el, info, labelsOf(el)).text || collectText(el, { budget: TEXT_BUDGET }).text;
  return toJSON({ name: truncate(name, MAX_TEXT), role: info.role, tag: localName(el) });
}

const api = freeze({
  __proto__: null,
  snapshot,
  settle,
  describeTarget,
  // Pure helpers, exposed for the tests that call them through page.evaluate.
  helpers: freeze({
    __proto__: null,
    collapse,
    parseColor,
    luminance,
    contrastRatio,
    name: (el) => {
      const found = computeName(el);
      return { text: found.text, source: found.source };
    },
    description: (el) => truncate(accessibleDescription(el, computeName(el).source), MAX_TEXT),
    hiddenReason,
    classify,
    role: roleOf,
    checkedState: (el) => checkedState(el, classify(el)),
  }),
});

const gate = (0, function (key) {
  return key === KEY ? api : undefined;
});
call(B.weakMapSet, fakeSources, [gate, 'function () { [native code] }']);
defineProperty(window, GATE, { value: gate, enumerable: false, writable: false, configurable: false });
