// Queries over HTTP with the bearer token.

export class Unauthorized extends Error {}

export class GraphQLClient {
  constructor(url, token) {
    this.url = url;
    this.token = token;
  }

  async query(query, variables = {}) {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
    });
    if (response.status === 401) throw new Unauthorized('The token was not accepted.');
    const body = await response.json();
    if (body.errors?.length) throw new Error(body.errors.map((error) => error.message).join('; '));
    return body.data;
  }
}
