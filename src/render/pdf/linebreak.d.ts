/** The `linebreak` package (1.x, UAX #14 line breaking; the one pdfkit's LineWrapper uses): no types of its own. */
declare module 'linebreak' {
  /** A break opportunity before `position`; `required` after a newline (mandatory break). */
  export interface Break {
    position: number;
    required: boolean;
  }
  export default class LineBreaker {
    constructor(text: string);
    /** The next break opportunity, or null after the last one (the end of the string is one). */
    nextBreak(): Break | null;
  }
}
