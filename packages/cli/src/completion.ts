import type { Command, Option } from "commander";

/** One command of the tree: its words after `kubedump`, its subcommands and its flags. */
interface CommandSpec {
  path: string;
  subcommands: { name: string; description: string }[];
  flags: FlagSpec[];
}

interface FlagSpec {
  names: string[];
  description: string;
  takesValue: boolean;
  choices?: readonly string[];
}

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const HELP: FlagSpec = { names: ["-h", "--help"], description: "show help", takesValue: false };

function flagOf(o: Option): FlagSpec {
  return {
    names: [o.short, o.long].filter((n): n is string => Boolean(n)),
    description: o.description,
    takesValue: o.required || o.optional,
    choices: o.argChoices,
  };
}

/**
 * Every command of the program, the program itself first (path ""). The choices of a command's
 * first argument (`completion <shell>`) are completed as its subcommands are.
 */
function specsOf(program: Command): CommandSpec[] {
  const walk = (cmd: Command, path: string): CommandSpec[] => {
    const subs = cmd.commands.filter((c) => c.name() !== "help");
    const argument = cmd.registeredArguments[0];
    const choices = (argument?.argChoices ?? []).map((name) => ({ name, description: argument?.description ?? "" }));
    const own: CommandSpec = {
      path,
      subcommands: [...subs.map((c) => ({ name: c.name(), description: c.description() })), ...choices],
      flags: [...cmd.options.filter((o) => !o.hidden).map(flagOf), HELP],
    };
    return [own, ...subs.flatMap((c) => walk(c, path ? `${path} ${c.name()}` : c.name()))];
  };
  return walk(program, "");
}

/** The completion script of `shell` for the program's commands and flags. */
export function completionScript(program: Command, shell: Shell): string {
  const specs = specsOf(program);
  const name = program.name();
  if (shell === "fish") return fishScript(name, specs);
  return shell === "bash" ? bashScript(name, specs) : zshScript(name, specs);
}

/** A POSIX-shell `case` on the command path (and flag): each arm echoes a word list. */
function caseArms(arms: [pattern: string, words: string][]): string {
  return arms
    .filter(([, words]) => words)
    .map(([pattern, words]) => `    ${pattern}) echo ${JSON.stringify(words)} ;;`)
    .join("\n");
}

/** Helper functions both bash and zsh scripts call: subcommands, flags, flags with a value, choices. */
function helpers(fn: string, specs: CommandSpec[]): string {
  const q = (s: string) => JSON.stringify(s);
  const valued = (s: CommandSpec) => s.flags.filter((f) => f.takesValue).flatMap((f) => f.names);
  const choices = specs.flatMap((s) =>
    s.flags
      .filter((f) => f.choices?.length)
      .map((f): [string, string] => [f.names.map((n) => q(`${s.path} ${n}`)).join("|"), f.choices!.join(" ")]),
  );
  return [
    `${fn}_subcommands() {\n  case "$1" in\n${caseArms(specs.map((s) => [q(s.path), s.subcommands.map((c) => c.name).join(" ")]))}\n  esac\n}`,
    `${fn}_flags() {\n  case "$1" in\n${caseArms(specs.map((s) => [q(s.path), s.flags.flatMap((f) => f.names).join(" ")]))}\n  esac\n}`,
    `${fn}_valued() {\n  case "$1" in\n${caseArms(specs.map((s) => [q(s.path), valued(s).join(" ")]))}\n  esac\n}`,
    `${fn}_choices() {\n  case "$1 $2" in\n${caseArms(choices)}\n  esac\n}`,
  ].join("\n");
}

/**
 * The shared walk over the words before the cursor: flags that take a value skip it, and a word
 * that is a subcommand of the path so far extends it. Sets `cmdpath` (the words `case` arms match).
 */
function walkWords(fn: string, first: number, last: string, word: (i: string) => string): string {
  return `  local cmdpath="" w i skip=0
  for ((i = ${first}; i < ${last}; i++)); do
    w="${word("i")}"
    if ((skip)); then skip=0; continue; fi
    case "$w" in
      -*=*) ;;
      -*) [[ " $(${fn}_valued "$cmdpath") " == *" $w "* ]] && skip=1 ;;
      *) [[ " $(${fn}_subcommands "$cmdpath") " == *" $w "* ]] && cmdpath="\${cmdpath:+$cmdpath }$w" ;;
    esac
  done`;
}

function bashScript(name: string, specs: CommandSpec[]): string {
  const fn = `_${name.replace(/\W/g, "_")}`;
  return `# bash completion for ${name}: \`source <(${name} completion bash)\` in ~/.bashrc, or
# \`${name} completion bash > /etc/bash_completion.d/${name}\`
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
${walkWords(fn, 1, "COMP_CWORD", (i) => `\${COMP_WORDS[${i}]}`)}
  if [[ " $(${fn}_valued "$cmdpath") " == *" $prev "* ]]; then
    local choices
    choices="$(${fn}_choices "$cmdpath" "$prev")"
    if [[ -n "$choices" ]]; then COMPREPLY=($(compgen -W "$choices" -- "$cur")); else COMPREPLY=($(compgen -f -- "$cur")); fi
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(${fn}_flags "$cmdpath")" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(${fn}_subcommands "$cmdpath")" -- "$cur"))
  fi
}
${helpers(fn, specs)}
complete -o default -F ${fn} ${name}
`;
}

function zshScript(name: string, specs: CommandSpec[]): string {
  const fn = `_${name.replace(/\W/g, "_")}`;
  return `#compdef ${name}
# zsh completion for ${name}: \`source <(${name} completion zsh)\` in ~/.zshrc (after compinit), or
# \`${name} completion zsh > "\${fpath[1]}/_${name}"\`
${fn}() {
  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}"
${walkWords(fn, 2, "CURRENT", (i) => `\${words[${i}]}`)}
  if [[ " $(${fn}_valued "$cmdpath") " == *" $prev "* ]]; then
    local choices
    choices="$(${fn}_choices "$cmdpath" "$prev")"
    if [[ -n "$choices" ]]; then compadd -- \${=choices}; else _files; fi
  elif [[ "$cur" == -* ]]; then
    compadd -- $(${fn}_flags "$cmdpath")
  else
    compadd -- $(${fn}_subcommands "$cmdpath")
  fi
}
${helpers(fn, specs)}
if [[ "\${funcstack[1]}" == "${fn}" ]]; then ${fn} "$@"; else compdef ${fn} ${name}; fi
`;
}

/** A fish string: single quotes, with \\ and ' escaped; the description's first clause only. */
function fishText(s: string): string {
  const short = s.split(/[;:(]/)[0]!.trim();
  return `'${short.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function fishScript(name: string, specs: CommandSpec[]): string {
  const lines = [
    `# fish completion for ${name}: \`${name} completion fish | source\`, or`,
    `# \`${name} completion fish > ~/.config/fish/completions/${name}.fish\``,
    `complete -c ${name} -f`,
  ];
  const inPath = (path: string) => {
    if (!path) return "__fish_use_subcommand";
    const words = path.split(" ");
    return words.map((w) => `__fish_seen_subcommand_from ${w}`).join("; and ");
  };
  for (const spec of specs) {
    const subs = spec.subcommands.map((c) => c.name).join(" ");
    const here =
      spec.path && subs ? `${inPath(spec.path)}; and not __fish_seen_subcommand_from ${subs}` : inPath(spec.path);
    for (const c of spec.subcommands)
      lines.push(`complete -c ${name} -n '${here}' -a ${c.name} -d ${fishText(c.description)}`);
    for (const f of spec.flags) {
      const names = f.names.map((n) => (n.startsWith("--") ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`)).join(" ");
      const value = !f.takesValue ? "" : f.choices?.length ? ` -x -a '${f.choices.join(" ")}'` : " -r -F";
      lines.push(`complete -c ${name} -n '${here}' ${names}${value} -d ${fishText(f.description)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
