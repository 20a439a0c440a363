// The OpenID provider the sso scenario tests against: oidc-provider (an
// OpenID-certified library) over HTTPS with a private CA. One process per
// configuration, each on its own port:
//   OWT_IDP_PORT, OWT_IDP_ISSUER, OWT_IDP_CERT, OWT_IDP_KEY  where and who it is
//   OWT_IDP_CLIENT_ID, OWT_IDP_CLIENT_SECRET, OWT_IDP_REDIRECT_URI  the W&B client
//   OWT_IDP_NO_S256=1  a provider without PKCE S256: oidc-provider always
//     offers S256, so this one does not require PKCE and drops
//     code_challenge_methods_supported from its discovery document, which is
//     what such an IdP publishes and all a relying party can see.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';

import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const noS256 = process.env.OWT_IDP_NO_S256 === '1';
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'owt-1' };

const provider = new Provider(env('OWT_IDP_ISSUER'), {
  clients: [{
    client_id: env('OWT_IDP_CLIENT_ID'),
    client_secret: env('OWT_IDP_CLIENT_SECRET'),
    redirect_uris: [env('OWT_IDP_REDIRECT_URI')],
    response_types: ['code', 'id_token'],
    grant_types: ['authorization_code', 'implicit'],
  }],
  responseTypes: ['code', 'id_token', 'none'],
  jwks: { keys: [signingKey] },
  pkce: { required: () => !noS256 },
  features: { devInteractions: { enabled: true } },
});
provider.proxy = false;

if (noS256) {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/.well-known/openid-configuration' && ctx.body) {
      delete ctx.body.code_challenge_methods_supported;
    }
  });
}

https.createServer(
  { cert: fs.readFileSync(env('OWT_IDP_CERT')), key: fs.readFileSync(env('OWT_IDP_KEY')) },
  provider.callback(),
).listen(Number(env('OWT_IDP_PORT')), '0.0.0.0', () => {
  console.log(`idp ${env('OWT_IDP_ISSUER')} on ${env('OWT_IDP_PORT')}${noS256 ? ' (no S256)' : ''}`);
});
