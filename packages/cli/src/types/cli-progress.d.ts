// The part of cli-progress 3 this package uses (it ships no type declarations).
declare module 'cli-progress' {
  export interface Options {
    format?: string;
    stream?: NodeJS.WritableStream;
    clearOnComplete?: boolean;
    hideCursor?: boolean;
    etaBuffer?: number;
  }
  export class SingleBar {
    constructor(options: Options, preset?: object);
    start(total: number, start: number, payload?: object): void;
    update(value: number, payload?: object): void;
    setTotal(total: number): void;
    stop(): void;
  }
  export const Presets: { shades_classic: object };
}
