// Text files imported with Vite's `?raw` (the sample catalog and query log).
declare module "*?raw" {
  const text: string;
  export default text;
}
