# An agent policy for the pod VM (`cocoon run --agent-policy`, docs/agent.md): the guest agent
# checks every request from the host against data.agent_policy.<RequestName>; undefined or false
# refuses it. This one lets the host create, start, stop and watch containers but not run extra
# processes in them (ExecProcess), replace the policy (SetPolicy) or copy files into the guest.
package agent_policy

default AddARPNeighborsRequest := true
default CloseStdinRequest := true
default CreateContainerRequest := true
default CreateSandboxRequest := true
default DestroySandboxRequest := true
default GetOOMEventRequest := true
default GuestDetailsRequest := true
default OnlineCPUMemRequest := true
default PullImageRequest := true
default ReadStreamRequest := true
default RemoveContainerRequest := true
default SignalProcessRequest := true
default StartContainerRequest := true
default StatsContainerRequest := true
default TtyWinResizeRequest := true
default UpdateInterfaceRequest := true
default UpdateRoutesRequest := true
default WaitProcessRequest := true
default WriteStreamRequest := true

default CopyFileRequest := false
default ExecProcessRequest := false
default SetPolicyRequest := false
