// @shopify/shopify-app-remix 6 needs Node 22; older runtimes fail in obscure ways, so say it plainly.
const MINIMUM_NODE_MAJOR = 22;

export function assertNodeVersion(version: string = process.versions.node): void {
  const major = Number(version.split(".")[0]);
  if (!(major >= MINIMUM_NODE_MAJOR)) {
    throw new Error(
      `Segments needs Node ${MINIMUM_NODE_MAJOR} or newer, but this is Node ${version}. ` +
        "Run it through npm scripts (they use the Node 22 from node_modules/.bin) or install Node 22 LTS.",
    );
  }
}
