import { Link } from '../router.tsx';

export function NotFoundPage() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no such page. Go to the <Link to="/">home page</Link>.
      </p>
    </section>
  );
}
