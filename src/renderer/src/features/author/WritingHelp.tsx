import { useKeptState } from '../../state/kept';
import { GenerateCases } from './GenerateCases';
import { GeneratePrompt } from './GeneratePrompt';
import { ImprovePrompt } from './ImprovePrompt';
import '../checks/checks.css';
import './author.css';

const ACTIONS = [
  { id: 'prompt', label: 'Prompt' },
  { id: 'cases', label: 'Test cases' },
  { id: 'improve', label: 'Improve' },
] as const;
type ActionId = (typeof ACTIONS)[number]['id'];

/** Writing help: a model writes a prompt, test cases, or a revision proven by a blind run. */
export function WritingHelp(): React.JSX.Element {
  const [action, setAction] = useKeptState<ActionId>('author:action', () => 'prompt');
  return (
    <div className="writing-help">
      <div className="row" role="group" aria-label="Writing help action">
        {ACTIONS.map((a) => (
          <button key={a.id} type="button" aria-pressed={action === a.id} className={action === a.id ? 'active' : undefined} onClick={() => setAction(a.id)}>
            {a.label}
          </button>
        ))}
      </div>
      {action === 'prompt' && <GeneratePrompt />}
      {action === 'cases' && <GenerateCases />}
      {action === 'improve' && <ImprovePrompt />}
    </div>
  );
}
