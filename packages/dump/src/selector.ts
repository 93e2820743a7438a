// Label selectors live in @kubedump/api (the schemas validate them too); the engine parses and matches with them.
export { matches, parseSelector, type Requirement, SelectorSyntaxError } from "@kubedump/api";
