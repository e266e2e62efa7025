// Which elements are toggleable controls, of what kind, and in what state.

const ROLE_KIND = {
  __proto__: null,
  checkbox: 'checkbox',
  radio: 'radio',
  switch: 'switch',
  menuitemcheckbox: 'menuitemcheckbox',
  menuitemradio: 'menuitemradio',
  button: 'toggle',
};

const CONTROL_SELECTOR =
  'input[type=checkbox i],input[type=radio i],[role~=checkbox i],[role~=switch i],' +
  '[role~=radio i],[role~=menuitemcheckbox i],[role~=menuitemradio i],[aria-pressed]';


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
  const state = ariaState(el, info.role === 'button' ? 'aria-pressed' : 'aria-checked');
  // A switch is on or off: ARIA gives it no mixed state, and "mixed" reads as off.
  return state === null && info.role === 'switch' ? false : state;
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

function isControlElement(el) {
  return isElement(el) && matches(el, CONTROL_SELECTOR) && classify(el) !== null;
}

