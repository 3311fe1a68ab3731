export default function Forbidden() {
  return (
    <section className="card narrow">
      <h1>Not allowed</h1>
      <p>Your role does not allow this page. Ask an admin if you need more access.</p>
    </section>
  );
}
