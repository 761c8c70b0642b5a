// Filled in by the foundation work: creates and migrates the test database once per run.
export default async function setup() {}
