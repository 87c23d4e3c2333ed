var __webpack_exports__ = {};

;// CONCATENATED MODULE: ./src/errors.ts
class AirlockError extends Error {
    code;
    constructor(code, message, options) {
        super(message, options);
        this.name = new.target.name;
        this.code = code;
    }
}
/** The user's mistake or a missing piece of environment: exit 2, one-line cause. */
class UserError extends (/* unused pure expression or super */ null && (AirlockError)) {
}
/** A verification failure of an audit log: exit 1, names the entry (seq) when known. */
class VerificationError extends AirlockError {
    seq;
    constructor(code, message, seq, options) {
        super(code, message, options);
        this.seq = seq;
    }
}
function isAirlockError(e) {
    return e instanceof AirlockError;
}

;// CONCATENATED MODULE: ./src/cli/command.ts
const EXIT_OK = 0;
const EXIT_VERDICT = 1;
const EXIT_USAGE = 2;

;// CONCATENATED MODULE: ./src/cli/commands/index.ts
/**
 * Every command the CLI knows. Each lives in its own module beside this one;
 * add one line here when adding a command.
 */
const commands = [];

;// CONCATENATED MODULE: ./src/version.ts
/** Airlock's version; kept equal to package.json's by a unit test. */
const VERSION = '0.1.0';

;// CONCATENATED MODULE: ./src/cli/main.ts




function helpText() {
    const width = Math.max(...commands.map((c) => c.name.length), 4);
    const rows = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
    return `airlock ${VERSION}: gate generated Python code\n\nUsage: airlock <command> [options]\n\nCommands:\n${rows}\n\nRun \`airlock <command> --help\` for a command's options.\n`;
}
/** Longest command name matching the leading words, so `audit verify` wins over `audit`. */
function findCommand(argv) {
    let best;
    for (const command of commands) {
        const words = command.name.split(' ');
        if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.command.name.split(' ').length)) {
            best = { command, rest: argv.slice(words.length) };
        }
    }
    return best;
}
/** The CLI as a function: tests call it directly; `index.ts` wires it to the process. */
async function main(argv, io) {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
        io.stdout(helpText());
        return argv.length === 0 ? EXIT_USAGE : 0;
    }
    if (argv[0] === '--version' || argv[0] === '-V') {
        io.stdout(`${VERSION}\n`);
        return 0;
    }
    const found = findCommand(argv);
    if (!found) {
        io.stderr(`airlock: unknown command '${argv[0]}'\n\n${helpText()}`);
        return EXIT_USAGE;
    }
    if (found.rest.includes('--help') || found.rest.includes('-h')) {
        io.stdout(`${found.command.usage}\n`);
        return 0;
    }
    try {
        return await found.command.run(found.rest, io);
    }
    catch (e) {
        if (e instanceof VerificationError) {
            io.stderr(`airlock: ${e.code}${e.seq !== undefined ? ` at entry ${e.seq}` : ''}: ${e.message}\n`);
            return EXIT_VERDICT;
        }
        if (e instanceof AirlockError) {
            io.stderr(`airlock: ${e.code}: ${e.message}\n`);
            return EXIT_USAGE;
        }
        throw e;
    }
}

;// CONCATENATED MODULE: ./src/cli/index.ts

// Entry point only: everything testable lives in main().
main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
}).then((code) => {
    process.exitCode = code;
}, (e) => {
    // A bug, not a user error: show the stack.
    process.stderr.write(`airlock: internal error: ${e?.stack ?? String(e)}\n`);
    process.exitCode = 3;
});

