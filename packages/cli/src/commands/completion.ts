import { type Command, Argument } from "commander";
import { completionScript, SHELLS, type Shell } from "../completion.js";

/** `kubedump completion bash|zsh|fish`: the shell's completion script for every command and flag. */
export function completionCommand(program: Command): void {
  program
    .command("completion")
    .description("print the completion script of a shell (bash, zsh or fish); its first lines say how to load it")
    .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(SHELLS))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(program, shell));
    });
}
