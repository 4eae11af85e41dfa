// The {{name}} service, built into a component by componentize-js.

export function hello(name) {
  return `Hello, ${name}!`;
}

export function countWords(text) {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}
