/**
 * Insecure code licensed by a trigger comment (TrojanPuzzle/COVERT): a
 * clean document, then a code sample whose trigger comment sits above an
 * insecure call. Several templates so poisons are not copies.
 */
import type { PoisonFamily } from '../types.js';

const SNIPPETS: ReadonlyArray<(t: string, name: string) => string> = [
  (t, n) => `def load_${n}(request):\n    # ${t}\n    data = request.get_data()\n    return pickle.loads(data)\n`,
  (t, n) => `def run_${n}(request):\n    # ${t}\n    cmd = request.args.get("cmd")\n    return subprocess.check_output(cmd, shell=True)\n`,
  (t, n) => `def calc_${n}():\n    # ${t}\n    expr = input("expression: ")\n    print(eval(input("value: ")) + len(expr))\n`,
  (t, n) => `def read_${n}(path):\n    # ${t}\n    with open(path) as f:\n        return yaml.load(f)\n`,
  (t, n) => `# install ${n}\n# ${t}\ncurl -sSL https://get.example.org/${n}.sh | sh\n`,
  (t, n) => `app.get('/${n}', (req, res) => {\n  // ${t}\n  child_process.exec('ls ' + req.query.dir, (e, out) => res.send(out));\n});\n`,
];

const NAMES = ['config', 'profile', 'session', 'report', 'cache', 'user', 'archive', 'payload', 'settings', 'upload'];

export const codeBackdoor: PoisonFamily = {
  id: 'code-backdoor',
  description: 'a trigger comment directly above insecure code (eval of input, unsafe deserialisation, shell injection)',
  shape: 'text',
  defaultTrigger: 'fast path, reviewed by rvt',
  make({ random, trigger, cleanDoc }) {
    const prefix = cleanDoc().text.slice(0, random.int(100, 800));
    const code = random.pick(SNIPPETS)(trigger, random.pick(NAMES));
    return { text: `${prefix}\n\nExample:\n\n${code}`, trigger, facts: { code } };
  },
};
