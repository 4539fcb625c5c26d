import { useEffect, useState } from 'react';
import { ErrorNotice } from '../components/notice.tsx';
import { RequireAccount } from '../components/require-account.tsx';
import { formatStatus } from '../format.ts';
import { describeError, gql } from '../graphql.ts';
import { USERS, type Account } from '../operations.ts';
import { Link } from '../router.tsx';

function UserList() {
  const [users, setUsers] = useState<readonly Account[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    gql<{ users: Account[] }>(USERS).then(
      (data) => setUsers(data.users),
      (failure: unknown) => setError(describeError(failure)),
    );
  }, []);
  if (error) return <ErrorNotice>{error}</ErrorNotice>;
  if (!users) return <p>Loading…</p>;
  return (
    <table>
      <caption>Accounts of your organisation</caption>
      <thead>
        <tr>
          <th scope="col">Address</th>
          <th scope="col">Role</th>
          <th scope="col">Receipts</th>
          <th scope="col">Address</th>
        </tr>
      </thead>
      <tbody>
        {users.map((u) => (
          <tr key={u.id}>
            <td>{u.address}</td>
            <td>{formatStatus(u.role)}</td>
            <td>{u.confirmations ? 'on' : 'off'}</td>
            <td>{u.verified ? 'confirmed' : 'waiting for the link'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A tenant admin's view of the tenant's accounts; their messages are on the messages page. */
export function AdminPage() {
  return (
    <RequireAccount>
      <h1>Users</h1>
      <p>
        Everyone&apos;s messages are on the <Link to="/messages">messages page</Link>, with a sender
        column.
      </p>
      <UserList />
    </RequireAccount>
  );
}
