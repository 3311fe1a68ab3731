import Link from 'next/link';

export default function NotFound() {
  return (
    <section className="card narrow">
      <h1>Not found</h1>
      <p>
        There is nothing here. Go to the <Link href="/fleet">fleet overview</Link> or the <Link href="/contexts">contexts</Link>.
      </p>
    </section>
  );
}
