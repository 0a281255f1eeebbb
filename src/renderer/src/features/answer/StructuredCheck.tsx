import { useMemo } from 'react';
import { describeToolCallCheck } from '../../../../shared/tool-calls';
import type { ResponseFormat } from '../../../../shared/schemas';
import { useToolCallChecks } from './useToolCallChecks';

interface Props {
  /** The request's response format: only a JSON Schema one is checked. */
  format: ResponseFormat | undefined;
  /** The whole answer. */
  output: string;
}

/**
 * Whether an answer asked for as structured output (a JSON Schema) matches its schema: checked as
 * a call's arguments are (by main, whose ajv may compile schemas), shown under the answer.
 */
export function StructuredCheck({ format, output }: Props): React.JSX.Element | null {
  const schema = format?.type === 'json_schema' && output !== '' ? format : undefined;
  const calls = useMemo(() => (schema ? [{ id: 'structured-output', name: schema.name, arguments: output }] : []), [schema, output]);
  const tools = useMemo(() => (schema ? [{ name: schema.name, parameters: schema.schema }] : undefined), [schema]);
  const [check] = useToolCallChecks(calls, tools);
  if (!schema) return null;
  const words =
    check === undefined ? 'checking…' : check === 'unchecked' ? 'not checked (Parallax could not reach its checker)' : check.kind === 'valid'
          ? 'matches the schema'
          : describeToolCallCheck(check, schema.name).replace(/\barguments\b/g, 'the answer');
  const bad = check !== undefined && check !== 'unchecked' && check.kind !== 'valid';
  return (
    <p className={`structured-check${bad ? ' error-text' : ''}`} role="note">
      Structured output ({schema.name}): {words}
    </p>
  );
}
