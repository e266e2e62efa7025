// A fact about the page, shown as the label of a checkbox so that the crawler records it with the step.
function fact(text) {
  const label = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox';
  label.append(box, ' ' + text);
  document.getElementById('facts').append(label);
}
