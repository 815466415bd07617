// Small DOM helpers: text goes in as textContent, never as HTML.

export function clear(node: HTMLElement): void {
  node.replaceChildren();
}

export function button(text: string, testId: string): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.dataset.testid = testId;
  return b;
}

export function field(text: string, testId: string, type: string, placeholder = ""): { label: HTMLLabelElement; input: HTMLInputElement } {
  const label = document.createElement("label");
  const input = document.createElement("input");
  input.type = type;
  input.placeholder = placeholder;
  input.dataset.testid = testId;
  label.append(text, input);
  return { label, input };
}

export function para(text: string, testId?: string): HTMLParagraphElement {
  const p = document.createElement("p");
  p.textContent = text;
  if (testId) p.dataset.testid = testId;
  return p;
}

export function section(title: string, children: HTMLElement[]): HTMLElement {
  const s = document.createElement("section");
  if (title) {
    const h = document.createElement("h2");
    h.textContent = title;
    s.append(h);
  }
  s.append(...children);
  return s;
}
