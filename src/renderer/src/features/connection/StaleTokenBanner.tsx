import { STALE_TOKEN_MESSAGE } from '../../bridge/web';
import { useConnection } from '../../state/connection';

/** Says, for as long as it is true, that the server restarted and where its new URL is. */
export function StaleTokenBanner(): React.JSX.Element | null {
  const access = useConnection((s) => s.access);
  if (access !== 'stale-token') return null;
  return (
    <div className="banner error-text" role="alert" aria-label="Server restarted">
      {STALE_TOKEN_MESSAGE}
    </div>
  );
}
