// The fast YAML emitter proposed here now lives in packages/dump/src/yaml.ts (serialize.ts uses it);
// the experiments import it from the built package.
export { yamlDump as fastDump } from "@kubedump/dump";
