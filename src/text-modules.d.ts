// Bun imports any file as its text with `with { type: "text" }` (docs/configuration.md into proxy schema).
declare module "*.md" {
  const text: string;
  export default text;
}
