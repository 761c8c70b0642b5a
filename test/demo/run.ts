// `npm run demo`: placeholder until the demo work lands (see README status).
console.log("The one-command demo is not yet available: it lands with the demo issue. `npm test` works today.");
