declare module 'uvu/parse' {
  export function parse(
    dir: string,
    pattern: RegExp,
    opts: object,
  ): Promise<{ suites: { name: string; file: string }[] }>;
}
declare module 'uvu/run' {
  export function run(suites: { name: string; file: string }[], opts: { bail: boolean }): Promise<void>;
}
