/* keyvault: secrets from Azure Key Vault over its REST API with a managed-identity token, read
 * once at start-up into the environment, before config_load validates anything. So the vault is
 * one more source beside NAME and NAME_FILE, and nothing downstream needs to know about it.
 *
 *   CHATLINGS_KEYVAULT_URL      https://NAME.vault.azure.net (empty: Key Vault is not used)
 *   CHATLINGS_KEYVAULT_SECRETS  VAR=secret-name,... replacing the default mapping below
 *   CHATLINGS_MSI_ENDPOINT      token URL (default: App Service's IDENTITY_ENDPOINT when set,
 *                               else http://169.254.169.254/metadata/identity/oauth2/token)
 *   CHATLINGS_AZURE_CLIENT_ID   user-assigned identity (empty: system-assigned)
 *
 * A variable already given as NAME or NAME_FILE keeps that value (an operator's override wins);
 * a secret the vault does not have (404) is skipped; any other failure stops the start.
 * Secret values and tokens are never logged and are wiped from our buffers after use. */
#ifndef CHATLINGS_KEYVAULT_H
#define CHATLINGS_KEYVAULT_H
#include <stddef.h>

#define KEYVAULT_DEFAULT_MSI_ENDPOINT "http://169.254.169.254/metadata/identity/oauth2/token"
#define KEYVAULT_RESOURCE "https://vault.azure.net"
#define KEYVAULT_API_VERSION "7.4"
#define KEYVAULT_MAX_SECRET 8192
#define KEYVAULT_MAX_MAPPINGS 32

typedef struct keyvault_mapping {
    char env[64];     /* DATABASE_URL */
    char secret[128]; /* database-url: letters, digits and '-' (Key Vault's rule) */
} keyvault_mapping_t;

/* The default mapping: "VAR=secret-name,..." (DATABASE_URL=database-url, ...). */
extern const char KEYVAULT_DEFAULT_SECRETS[];

/* Parses "VAR=secret-name,VAR2=name2". Returns the number of mappings, or -1 with a message. */
int keyvault_parse_mapping(const char *spec, keyvault_mapping_t *out, int max, char *err, size_t errlen);

/* A managed-identity access token for resource. headers style follows the endpoint: App
 * Service (X-IDENTITY-HEADER, api-version 2019-08-01) when identity_header is set, else IMDS
 * (Metadata: true, api-version 2018-02-01). 0, or -1 with a message (never the token). */
int keyvault_get_token(const char *endpoint, const char *identity_header, const char *client_id,
                       const char *resource, char *token, size_t toklen, char *err, size_t errlen);

/* GET {vault}/secrets/{name}?api-version=7.4. 1 found (value in out), 0 no such secret,
 * -1 error with a message (never the value). */
int keyvault_get_secret(const char *vault_url, const char *token, const char *name, char *out, size_t outlen,
                        char *err, size_t errlen);

/* Does the whole start-up step described above. Must run before any thread starts (setenv).
 * 0 (also when CHATLINGS_KEYVAULT_URL is empty), or -1 with a message. */
int keyvault_load_env(char *err, size_t errlen);

#endif
