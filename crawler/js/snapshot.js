// Evaluated with frame.evaluate(source, {reset, json}) once per frame. Returns plain JSON-able
// data describing every consent control a person can see or toggle in this frame (as a JSON
// string when options.json is true).
//
// Every page object is hostile: methods and getters are reached only through the built-ins
// init.js captured before page code ran, never through the page's (possibly patched) ones.
(options) => {
  'use strict';

  const MAX_TEXT = 300;
  const TEXT_BUDGET = 1200;
  const NEARBY_SIBLINGS = 12;
  const MAX_DEPTH = 64;
  const HTML_NS = 'http://www.w3.org/1999/xhtml';
  const ROLE_KIND = {
    __proto__: null,
    checkbox: 'checkbox',
    radio: 'radio',
    switch: 'switch',
    menuitemcheckbox: 'menuitemcheckbox',
    button: 'toggle',
  };
  const SKIP_TEXT_TAGS = {
    __proto__: null,
    script: true,
    style: true,
    noscript: true,
    template: true,
    head: true,
    title: true,
    select: true,
    textarea: true,
  };
  const CONTROL_SELECTOR =
    'input[type=checkbox i],input[type=radio i],[role~=checkbox i],[role~=switch i],' +
    '[role~=radio i],[role~=menuitemcheckbox i],[aria-pressed]';

  // ---------------------------------------------------------------- built-ins


  // A non-writable, non-configurable data property: the page can neither replace nor fake it
  // once init.js has defined it.
  const api = window.__consentCrawler__ || null;
  if (!api || !api.builtins) {
    // A frame whose code ran before init.js: snapshot.py installs it late and asks again.
    return options && options.json ? '{"needs_init":true}' : { needs_init: true };
  }
  const B = api.builtins;
  const EMPTY = [];
  const doc = document;

  function call(fn, self, args) {
    return B.apply(fn, self, args || EMPTY);
  }

  function tryCall(fn, self, args, fallback) {
    try {
      return call(fn, self, args);
    } catch (e) {
      return fallback;
    }
  }

  // Push without Array.prototype.push or index setters the page may have planted.
  function append(list, item) {
    B.defineProperty(list, list.length, {
      __proto__: null,
      value: item,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    return list;
  }

  function toArray(list, lengthGetter, itemMethod) {
    const out = [];
    if (!list) {
      return out;
    }
    const n = call(lengthGetter, list);
    for (let i = 0; i < n; i += 1) {
      append(out, call(itemMethod, list, [i]));
    }
    return out;
  }

  function nodeListToArray(list) {
    return toArray(list, B.nodeListLength, B.nodeListItem);
  }

  // ---------------------------------------------------------------- strings and numbers

  function isSpace(code) {
    return (
      code <= 32 ||
      code === 0xa0 ||
      code === 0x1680 ||
      (code >= 0x2000 && code <= 0x200b) ||
      code === 0x2028 ||
      code === 0x2029 ||
      code === 0x202f ||
      code === 0x205f ||
      code === 0x3000 ||
      code === 0xfeff
    );
  }

  function charCode(s, i) {
    return call(B.stringCharCodeAt, s, [i]);
  }

  // Regular expressions are avoided: the page can patch RegExp.prototype[Symbol.replace].
  function collapse(s) {
    if (typeof s !== 'string') {
      return '';
    }
    let out = '';
    let pendingSpace = false;
    for (let i = 0; i < s.length; i += 1) {
      if (isSpace(charCode(s, i))) {
        pendingSpace = out.length > 0;
      } else {
        if (pendingSpace) {
          out += ' ';
          pendingSpace = false;
        }
        out += s[i];
      }
    }
    return out;
  }

  function slice(s, start, end) {
    return call(B.stringSlice, s, end === undefined ? [start] : [start, end]);
  }

  function isHighSurrogate(code) {
    return code >= 0xd800 && code <= 0xdbff;
  }

  function truncate(s, max) {
    if (s.length <= max) {
      return s;
    }
    const end = isHighSurrogate(charCode(s, max - 1)) ? max - 1 : max;
    return slice(s, 0, end);
  }

  function truncateStart(s, max) {
    if (s.length <= max) {
      return s;
    }
    const start = isHighSurrogate(charCode(s, s.length - max - 1)) ? s.length - max + 1 : s.length - max;
    return slice(s, start);
  }

  function lower(s) {
    return typeof s === 'string' ? call(B.stringToLowerCase, s) : '';
  }

  function startsWith(s, prefix) {
    return typeof s === 'string' && call(B.stringIndexOf, s, [prefix]) === 0;
  }

  function contains(s, part) {
    return typeof s === 'string' && call(B.stringIndexOf, s, [part]) >= 0;
  }

  function tokens(s) {
    const out = [];
    const text = collapse(s);
    let current = '';
    for (let i = 0; i < text.length; i += 1) {
      if (text[i] === ' ') {
        append(out, current);
        current = '';
      } else {
        current += text[i];
      }
    }
    if (current) {
      append(out, current);
    }
    return out;
  }

  function join(list, separator) {
    let out = '';
    for (let i = 0; i < list.length; i += 1) {
      out += (i ? separator : '') + list[i];
    }
    return out;
  }

  function num(s) {
    const n = call(B.parseFloat, undefined, [s]);
    return call(B.isFinite, undefined, [n]) ? n : 0;
  }

  function round(n) {
    return call(B.mathRound, undefined, [n * 100]) / 100;
  }

  function clamp01(n) {
    return n < 0 ? 0 : n > 1 ? 1 : n;
  }

  // ---------------------------------------------------------------- DOM access

  function nodeType(node) {
    return tryCall(B.nodeType, node, EMPTY, 0);
  }

  function isElement(node) {
    return node !== null && typeof node === 'object' && nodeType(node) === 1;
  }

  function localName(el) {
    return tryCall(B.localName, el, EMPTY, '');
  }

  function isHTML(el) {
    return tryCall(B.namespaceURI, el, EMPTY, null) === HTML_NS;
  }

  function htmlName(el) {
    return isHTML(el) ? localName(el) : '';
  }

  function attr(el, name) {
    const value = tryCall(B.getAttribute, el, [name], null);
    return typeof value === 'string' ? value : null;
  }

  function matches(el, selector) {
    return tryCall(B.matches, el, [selector], false);
  }

  function closest(el, selector) {
    return tryCall(B.closest, el, [selector], null);
  }

  function parentNode(node) {
    return tryCall(B.parentNode, node, EMPTY, null);
  }

  function shadowHost(root) {
    return tryCall(B.shadowHost, root, EMPTY, null);
  }

  // Parent in the composed tree: a shadow root's parent is its host.
  function composedParent(node) {
    const parent = parentNode(node);
    if (parent && nodeType(parent) === 11) {
      return shadowHost(parent);
    }
    return parent && nodeType(parent) === 1 ? parent : null;
  }

  function composedContains(ancestor, node) {
    for (let n = node, i = 0; n && i < 4096; n = composedParent(n), i += 1) {
      if (n === ancestor) {
        return true;
      }
    }
    return false;
  }

  function rootOf(node) {
    return tryCall(B.getRootNode, node, EMPTY, doc);
  }

  function shadowRootOf(el) {
    const known = api.shadowRootOf(el);
    return known || tryCall(B.shadowRoot, el, EMPTY, null);
  }

  function childNodes(node) {
    return nodeListToArray(tryCall(B.childNodes, node, EMPTY, null));
  }

  function querySelectorAll(root, selector) {
    const type = nodeType(root);
    const fn = type === 9 ? B.docQuerySelectorAll : type === 11 ? B.fragQuerySelectorAll : B.elemQuerySelectorAll;
    return nodeListToArray(tryCall(fn, root, [selector], null));
  }

  function getElementById(root, id) {
    const fn = nodeType(root) === 9 ? B.docGetElementById : B.fragGetElementById;
    return tryCall(fn, root, [id], null);
  }

  function textContent(node) {
    const text = tryCall(B.textContent, node, EMPTY, '');
    return typeof text === 'string' ? text : '';
  }

  function labelsOf(el) {
    const name = htmlName(el);
    const fn = name === 'input' ? B.inputLabels : name === 'button' ? B.buttonLabels : null;
    return fn ? nodeListToArray(tryCall(fn, el, EMPTY, null)) : [];
  }

  // Children in the flat tree, so text inside shadow roots and slotted content is read
  // where it is rendered.
  function flatChildren(node) {
    if (isElement(node)) {
      const root = shadowRootOf(node);
      if (root) {
        return childNodes(root);
      }
      if (htmlName(node) === 'slot') {
        const assigned = tryCall(B.slotAssignedNodes, node, [{ __proto__: null, flatten: true }], null);
        if (assigned && assigned.length) {
          const out = [];
          for (let i = 0; i < assigned.length; i += 1) {
            append(out, assigned[i]);
          }
          return out;
        }
      }
    }
    return childNodes(node);
  }

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

  const opacityCache = new B.WeakMap();

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

  // ---------------------------------------------------------------- controls

  function firstRole(el) {
    const list = tokens(lower(attr(el, 'role')));
    return list.length ? list[0] : '';
  }

  function ariaState(el, name) {
    const value = lower(collapse(attr(el, name)));
    if (value === 'true') {
      return true;
    }
    if (value === 'mixed') {
      return null;
    }
    return false;
  }

  function isTogglePressed(value) {
    const v = lower(collapse(value));
    return v === 'true' || v === 'false' || v === 'mixed';
  }

  // {role, native, inputType} for a consent control, or null.
  function classify(el) {
    const name = htmlName(el);
    let inputType = '';
    if (name === 'input') {
      inputType = tryCall(B.inputType, el, EMPTY, '');
    }
    const native = inputType === 'checkbox' || inputType === 'radio';
    const explicit = firstRole(el);
    if (explicit !== 'button' && ROLE_KIND[explicit]) {
      return { role: explicit, native, inputType };
    }
    if (native) {
      return { role: inputType, native, inputType };
    }
    const isButton = explicit === 'button' || (name === 'button' && explicit === '');
    if (isButton && isTogglePressed(attr(el, 'aria-pressed'))) {
      return { role: 'button', native: false, inputType: '' };
    }
    return null;
  }

  function checkedState(el, info) {
    if (info.native) {
      // A checkbox's indeterminate flag hides whatever `checked` says underneath.
      if (info.inputType === 'checkbox' && call(B.inputIndeterminate, el)) {
        return null;
      }
      return !!call(B.inputChecked, el);
    }
    return ariaState(el, info.role === 'button' ? 'aria-pressed' : 'aria-checked');
  }

  function isDisabled(el, info) {
    if (info.native && call(B.inputDisabled, el)) {
      return true;
    }
    if (matches(el, ':disabled') || closest(el, 'fieldset[disabled]')) {
      return true;
    }
    return !!closest(el, '[aria-disabled="true" i]');
  }

  function isRequired(el, info) {
    if (info.native && call(B.inputRequired, el)) {
      return true;
    }
    return ariaState(el, 'aria-required') === true;
  }

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

  function isControlElement(el) {
    return isElement(el) && matches(el, CONTROL_SELECTOR) && classify(el) !== null;
  }

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

  // The name of the dialog, section or group a control sits in ("We use cookies"), so a bare
  // "Preferences" switch in a cookie banner can be judged by what the banner asks.
  const CONTEXT_SELECTOR =
    'dialog,[role~=dialog i],[role~=alertdialog i],[aria-modal=true i],[role~=region i],' +
    '[role~=group i],[role~=radiogroup i],fieldset,section,aside,form';

  function containerName(container) {
    const byRef = labelledByText(container).text;
    if (byRef) {
      return byRef;
    }
    const ariaLabel = collapse(attr(container, 'aria-label'));
    if (ariaLabel) {
      return ariaLabel;
    }
    const headings = querySelectorAll(container, 'legend,h1,h2,h3,h4,[role~=heading i]');
    for (let i = 0; i < headings.length && i < 3; i += 1) {
      const text = collectText(headings[i], { includeHidden: true, budget: TEXT_BUDGET }).text;
      if (text) {
        return text;
      }
    }
    return '';
  }

  function contextName(el) {
    const names = [];
    let node = el;
    for (let depth = 0; node && depth < 8 && names.length < 2; depth += 1) {
      const container = closest(node, CONTEXT_SELECTOR);
      if (container) {
        const name = containerName(container);
        if (name) {
          append(names, name);
        }
        node = composedParent(container);
        continue;
      }
      const root = rootOf(node);
      node = root && nodeType(root) === 11 ? shadowHost(root) : null;
    }
    return truncate(join(names, ' / '), MAX_TEXT);
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

  // ---------------------------------------------------------------- selectors

  const idCounts = { __proto__: null };

  function escapeIdent(s) {
    return B.cssEscape ? call(B.cssEscape, undefined, [s]) : s;
  }

  function uniqueIdSelector(el) {
    const id = attr(el, 'id');
    return id && idCounts[id] === 1 ? '#' + escapeIdent(id) : '';
  }

  // A :nth-of-type path up to the root, or up to the nearest ancestor with a unique id.
  // Inside a shadow root the path starts with ":scope >" so that, chained after its host with
  // ">>", it cannot also match deeper in nested roots.
  function cssPath(el) {
    let path = '';
    for (let n = el, i = 0; n && i < 4096; i += 1) {
      const byId = n === el ? '' : uniqueIdSelector(n);
      if (byId) {
        return byId + ' > ' + path;
      }
      const name = localName(n);
      let index = 1;
      for (let s = tryCall(B.previousElementSibling, n, EMPTY, null); s; s = tryCall(B.previousElementSibling, s, EMPTY, null)) {
        if (localName(s) === name) {
          index += 1;
        }
      }
      const step = escapeIdent(name) + ':nth-of-type(' + index + ')';
      path = path ? step + ' > ' + path : step;
      const parent = parentNode(n);
      if (parent && nodeType(parent) === 11) {
        return ':scope > ' + path;
      }
      n = parent && nodeType(parent) === 1 ? parent : null;
    }
    return path;
  }

  function selectorIn(el) {
    return uniqueIdSelector(el) || cssPath(el);
  }

  // Playwright's css engine pierces open shadow roots, and ">>" scopes each part to the
  // element matched before it.
  function selectorFor(el, chain) {
    let selector = '';
    for (let i = 0; i < chain.length; i += 1) {
      selector += selectorIn(chain[i].host) + ' >> ';
    }
    return selector + selectorIn(el);
  }

  // ---------------------------------------------------------------- walking the frame

  const uninspectable = [];

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
    const touched = (node) => api.wasTouched(node);
    const acted = touched(el) || (!!proxy && proxy.kind === 'sibling' && touched(proxy.element));

    return {
      kind: ROLE_KIND[info.role],
      native: info.native,
      role: info.role,
      checked: checkedState(el, info),
      disabled: isDisabled(el, info),
      required: isRequired(el, info),
      label: truncate(name.text, MAX_TEXT),
      label_source: name.source,
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

  // ---------------------------------------------------------------- JSON

  // Playwright's own result serializer runs on the page's built-ins and silently returns
  // null once a page replaces Array.prototype.push; a string always gets through.
  const HEX = '0123456789abcdef';

  function quote(s) {
    let out = '"';
    for (let i = 0; i < s.length; i += 1) {
      const code = charCode(s, i);
      if (code === 0x22 || code === 0x5c) {
        out += '\\' + s[i];
      } else if (code < 0x20) {
        out += '\\u00' + HEX[code >> 4] + HEX[code & 15];
      } else {
        out += s[i];
      }
    }
    return out + '"';
  }

  function toJSON(value) {
    if (value === null || value === undefined) {
      return 'null';
    }
    if (typeof value === 'boolean') {
      return value ? 'true' : 'false';
    }
    if (typeof value === 'number') {
      return call(B.isFinite, undefined, [value]) ? '' + value : 'null';
    }
    if (typeof value === 'string') {
      return quote(value);
    }
    const parts = [];
    if (call(B.isArray, undefined, [value])) {
      for (let i = 0; i < value.length; i += 1) {
        append(parts, toJSON(value[i]));
      }
      return '[' + join(parts, ',') + ']';
    }
    const keys = call(B.objectKeys, undefined, [value]);
    for (let i = 0; i < keys.length; i += 1) {
      append(parts, quote(keys[i]) + ':' + toJSON(value[keys[i]]));
    }
    return '{' + join(parts, ',') + '}';
  }

  // ---------------------------------------------------------------- main

  function snapshot() {
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
      api.resetTouched();
    }

    return {
      url: location.href,
      instrumented: true,
      viewport: viewport(),
      scroll: { x: call(B.scrollX, window), y: call(B.scrollY, window) },
      document_height: documentHeight(),
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
      uninspectable: [{ reason: 'error', detail: message }],
      controls: [],
    };
  }

  let result;
  try {
    result = snapshot();
  } catch (e) {
    result = failed(e);
  }
  if (options && options.json) {
    try {
      return toJSON(result);
    } catch (e) {
      return result;
    }
  }
  return result;
}
