// Does a user follow every channel? Asks GMBot's membership service from Node.js.
//
//   GMBOT_MEMBERSHIP_ADDR=127.0.0.1:50052 GMBOT_TOKEN=... node dist/check-membership.js USER CHANNEL...
//
// Prints "follows", "does not follow" or "unknown" (exit 0); a refused call prints its status
// and exits 1. The same contract as the README's Python example, with @grpc/grpc-js.
import * as path from "node:path";

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

import type { ProtoGrpcType } from "./generated/membership";
import type { MembershipServiceClient } from "./generated/gmbot/v1/MembershipService";
import type { CheckMembershipResponse__Output } from "./generated/gmbot/v1/CheckMembershipResponse";

// The .proto files: this repository's proto/ by default, or wherever your copy of the contracts
// is (the gmbot-contracts distribution ships them too).
const PROTO_DIR = process.env.GMBOT_PROTO_DIR ?? path.resolve(__dirname, "../../../proto");

// Retry a replica that is restarting (UNAVAILABLE), for this read only, declared once for the
// channel: never a hand-written loop. Every other code is an answer, not a hiccup.
const SERVICE_CONFIG = {
  methodConfig: [
    {
      name: [{ service: "gmbot.v1.MembershipService", method: "CheckMembership" }],
      retryPolicy: {
        maxAttempts: 3,
        initialBackoff: "0.1s",
        maxBackoff: "1s",
        backoffMultiplier: 2,
        retryableStatusCodes: ["UNAVAILABLE"],
      },
    },
  ],
};

// Always a deadline; membership answers UNKNOWN rather than overrun it.
const DEADLINE_MS = 2000;

type Verdict = "follows" | "does not follow" | "unknown";

function connect(address: string): MembershipServiceClient {
  const definition = protoLoader.loadSync("gmbot/v1/membership.proto", {
    includeDirs: [PROTO_DIR],
    // int64 ids as strings: a JavaScript number loses precision past 2^53.
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const proto = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  return new proto.gmbot.v1.MembershipService(address, grpc.credentials.createInsecure(), {
    "grpc.service_config": JSON.stringify(SERVICE_CONFIG),
    "grpc.enable_retries": 1,
  });
}

function follows(
  client: MembershipServiceClient,
  token: string,
  userId: string,
  channelIds: string[],
): Promise<Verdict> {
  // Per-caller token: this service's own, from AUTH_CALLERS with the membership-read scope.
  const metadata = new grpc.Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return new Promise((resolve, reject) => {
    client.CheckMembership(
      { userId, channelIds },
      metadata,
      { deadline: Date.now() + DEADLINE_MS },
      (error: grpc.ServiceError | null, answer?: CheckMembershipResponse__Output) => {
        if (error) {
          const transient = [grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED];
          // GMBot could not answer now: that is not "not a member".
          if (transient.includes(error.code)) resolve("unknown");
          // INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED: a bug on our side.
          else reject(error);
          return;
        }
        if (answer!.allMember) resolve("follows");
        else resolve(answer!.anyUnknown ? "unknown" : "does not follow");
      },
    );
  });
}

async function main(): Promise<void> {
  const address = process.env.GMBOT_MEMBERSHIP_ADDR ?? "127.0.0.1:50052";
  const token = process.env.GMBOT_TOKEN;
  const [userId, ...channelIds] = process.argv.slice(2);
  if (!token || !userId || channelIds.length === 0) {
    console.error("usage: GMBOT_TOKEN=... node dist/check-membership.js USER CHANNEL...");
    process.exit(2);
  }
  const client = connect(address);
  try {
    console.log(await follows(client, token, userId, channelIds));
  } catch (error) {
    const failure = error as grpc.ServiceError;
    console.log(`refused: ${grpc.status[failure.code]}: ${failure.details}`);
    process.exitCode = 1;
  } finally {
    client.close();
  }
}

void main();
