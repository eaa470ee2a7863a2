# Sourced by bench/shim_run.sh and bench/cri_run.sh (in $work, with $here, $bin and the pids
# array set): the README's KBS and a registry on free loopback ports, and the owner's image —
# the sample encrypted with a KBS-held key and cosign-signed — with its signature policy and the
# pod initdata annotation. Sets kbs, reg and ann.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
kbs_port="$(free_port)"
reg_port="$(free_port)"

"$here/examples/gen-keys" > /dev/null
sed "s/127.0.0.1:8080/127.0.0.1:$kbs_port/" "$here/examples/kbs/dev.toml" > kbs.toml
"$bin/cocoon-kbs" --config-file kbs.toml > kbs.log 2>&1 &
pids+=($!)
printf 'version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: %s/registry}}\nhttp: {addr: 127.0.0.1:%s}\n' \
  "$work" "$reg_port" > registry.yml
/usr/bin/docker-registry serve registry.yml > registry.log 2>&1 &
pids+=($!)
kbs="http://127.0.0.1:$kbs_port"
reg="127.0.0.1:$reg_port"
"$here/examples/wait-for" "$kbs/healthz"
"$here/examples/wait-for" "http://$reg/v2/"

"$bin/cocoon" image sample app > /dev/null
"$bin/cocoon" image encrypt --encryption-key provider:attestation-agent:kbs:///default/image-key/app \
  --kbs "$kbs" --admin-key admin.key --dest-tls-verify=false oci:app:latest "docker://$reg/app:enc" > /dev/null
"$bin/cocoon" image sign --key cosign.key --tls-verify=false "docker://$reg/app:enc" > /dev/null
sed -e "s|COSIGN_PUB_BASE64|$(base64 -w0 cosign.pub)|" -e "s|127.0.0.1:5000|$reg|" \
  "$here/examples/signature/cosign-policy.json" > policy.json
ann="$("$bin/cocoon" initdata --annotation --kbs "$kbs" --policy policy.json "$reg/app:enc" 2> /dev/null)"
