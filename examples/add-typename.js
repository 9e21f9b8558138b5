// Apollo Client's cache reads __typename on every object. A persisted document runs on the gateway
// exactly as the manifest holds it, so the manifest's documents must ask for __typename themselves
// (the client cannot add it to a document it sends only by id).
const { addTypenameSelectionDocumentTransform } = require("@graphql-codegen/client-preset");

// A named export written out, so that codegen's ESM loader sees it in this CommonJS file.
exports.transform = addTypenameSelectionDocumentTransform.transform;
