// The greeter example service in JavaScript, built into a component by componentize-js.
// Plain exports matching wit/greeter: nothing Weft-specific.

const hello = (name) => `Hello, ${name}!`;

export function makePoint(x, y) {
  return { x, y };
}

export const greet = {
  hello,

  greet(who, tone) {
    const text = tone === "formal" ? `Good day, ${who.name}.` : `Hi ${who.name}!`;
    return { text, tone, chars: [...text].length };
  },

  greetAll(people) {
    return people.map((p) => hello(p.name));
  },

  oldest(people) {
    let best = undefined;
    for (const p of people) {
      if (best === undefined || p.age > best.age) best = p;
    }
    return best;
  },

  divide(a, b) {
    if (b === 0) throw "division by zero";
    if (a === -2147483648 && b === -1) throw "overflow";
    return Math.trunc(a / b);
  },
};
