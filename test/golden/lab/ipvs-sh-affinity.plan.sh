# k8s-master: its IPVS table (8 virtual servers, knet rules ipvs --format save) is not loaded: knet lab loads no IPVS table; kube-ipvs0 with its addresses (a veth on no wire: this kernel has no dummy link type), the ipsets and the iptables rules are loaded
# k8s-node1: its IPVS table (8 virtual servers, knet rules ipvs --format save) is not loaded: knet lab loads no IPVS table; kube-ipvs0 with its addresses (a veth on no wire: this kernel has no dummy link type), the ipsets and the iptables rules are loaded
# k8s-node2: its IPVS table (8 virtual servers, knet rules ipvs --format save) is not loaded: knet lab loads no IPVS table; kube-ipvs0 with its addresses (a veth on no wire: this kernel has no dummy link type), the ipsets and the iptables rules are loaded
ip netns add knet-underlay
ip -n knet-underlay link set lo up
ip netns exec knet-underlay sysctl -q -w net.bridge.bridge-nf-call-iptables=0
ip -n knet-underlay link add br0 mtu 1500 type bridge
ip -n knet-underlay link set br0 up
ip netns add knet-node-k8s-master
ip -n knet-node-k8s-master link set lo up
ip netns add knet-pod-kube-system-coredns-754bccc5bf-xxvrt
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt link set lo up
ip -n knet-node-k8s-master link add eth0 address 52:54:00:f9:cb:93 mtu 1500 type veth peer name u-eth0 netns knet-underlay
ip -n knet-underlay link set u-eth0 up
ip -n knet-node-k8s-master link add flannel.1 address 56:92:70:47:cf:13 mtu 1450 type vxlan id 1 local 192.168.2.100 dev eth0 dstport 8472 nolearning ageing 300
ip -n knet-node-k8s-master link add cni0 address f2:46:f6:d2:af:36 mtu 1450 type bridge
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt link add eth0 address 5e:c3:7a:52:2e:13 mtu 1450 type veth peer name veth5735ef8d address ee:61:44:5a:fc:87 mtu 1450 netns knet-node-k8s-master
ip -n knet-node-k8s-master link add kube-ipvs0 address 3a:33:21:a7:d9:ab mtu 1500 type veth peer name u-kube-ipvs0 netns knet-underlay
ip -n knet-underlay link set u-kube-ipvs0 up
ip -n knet-node-k8s-master link set eth0 up
ip -n knet-node-k8s-master link set flannel.1 up
ip -n knet-node-k8s-master link set cni0 up
ip -n knet-node-k8s-master link set veth5735ef8d master cni0
ip -n knet-node-k8s-master link set veth5735ef8d up
bridge -n knet-node-k8s-master link set dev veth5735ef8d hairpin on
ip -n knet-node-k8s-master addr add 192.168.2.100/24 brd 192.168.2.255 scope global dev eth0
ip -n knet-node-k8s-master addr add 10.244.0.0/32 scope global dev flannel.1
ip -n knet-node-k8s-master addr add 10.244.0.1/24 brd 10.244.0.255 scope global dev cni0
ip -n knet-node-k8s-master addr add 10.1.0.1/32 scope global dev kube-ipvs0
ip -n knet-node-k8s-master addr add 10.1.0.2/32 scope global dev kube-ipvs0
ip -n knet-node-k8s-master addr add 10.1.0.10/32 scope global dev kube-ipvs0
ip -n knet-node-k8s-master route add default via 192.168.2.1 dev eth0
ip -n knet-node-k8s-master route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
ip -n knet-node-k8s-master route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
ip -n knet-node-k8s-master neigh replace 10.244.1.0 lladdr ea:4b:2f:3c:93:29 dev flannel.1 nud permanent
ip -n knet-node-k8s-master neigh replace 10.244.2.0 lladdr 22:6d:20:af:71:67 dev flannel.1 nud permanent
bridge -n knet-node-k8s-master fdb append ea:4b:2f:3c:93:29 dev flannel.1 dst 192.168.2.101 self permanent
bridge -n knet-node-k8s-master fdb append 22:6d:20:af:71:67 dev flannel.1 dst 192.168.2.102 self permanent
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt link set eth0 up
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt addr add 10.244.0.2/24 brd 10.244.0.255 scope global dev eth0
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt route add default via 10.244.0.1 dev eth0
ip -n knet-pod-kube-system-coredns-754bccc5bf-xxvrt route add 10.244.0.0/16 via 10.244.0.1 dev eth0
ip -n knet-underlay link set u-eth0 down
ip -n knet-underlay link set u-eth0 name n0-eth0
ip -n knet-underlay link set n0-eth0 master br0 up
ip -n knet-underlay link set u-kube-ipvs0 down
ip -n knet-underlay link set u-kube-ipvs0 name n0-kube-ipvs0
ip netns exec knet-node-k8s-master sysctl -q -w net.bridge.bridge-nf-call-ip6tables=1 net.bridge.bridge-nf-call-iptables=1 net.ipv4.conf.all.forwarding=1 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=1 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns exec knet-pod-kube-system-coredns-754bccc5bf-xxvrt sysctl -q -w net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-iptables=0 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=0 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns add knet-node-k8s-node1
ip -n knet-node-k8s-node1 link set lo up
ip netns add knet-pod-default-pod-a
ip -n knet-pod-default-pod-a link set lo up
ip netns add knet-pod-echoc-nginx-6d4bb44f85-7rf9t
ip -n knet-pod-echoc-nginx-6d4bb44f85-7rf9t link set lo up
ip netns add knet-pod-echoc-nginx-6d4bb44f85-l5cld
ip -n knet-pod-echoc-nginx-6d4bb44f85-l5cld link set lo up
ip -n knet-node-k8s-node1 link add eth0 address 52:54:00:d7:12:d7 mtu 1500 type veth peer name u-eth0 netns knet-underlay
ip -n knet-node-k8s-node1 link add flannel.1 address ea:4b:2f:3c:93:29 mtu 1450 type vxlan id 1 local 192.168.2.101 dev eth0 dstport 8472 nolearning ageing 300
ip -n knet-node-k8s-node1 link add cni0 address 12:e3:62:cd:bd:21 mtu 1450 type bridge
ip -n knet-pod-default-pod-a link add eth0 address 6a:df:a4:e8:c7:f3 mtu 1450 type veth peer name veth71866a09 address b6:b2:64:f0:26:fe mtu 1450 netns knet-node-k8s-node1
ip -n knet-pod-echoc-nginx-6d4bb44f85-7rf9t link add eth0 address b2:4a:28:b5:00:68 mtu 1450 type veth peer name vethd54af1ba address f2:b3:8f:7d:62:70 mtu 1450 netns knet-node-k8s-node1
ip -n knet-pod-echoc-nginx-6d4bb44f85-l5cld link add eth0 address 9e:ff:5d:27:3c:9b mtu 1450 type veth peer name veth83bbe6b7 address 7e:55:1e:c4:e5:c3 mtu 1450 netns knet-node-k8s-node1
ip -n knet-node-k8s-node1 link add kube-ipvs0 address b6:78:c0:00:e0:96 mtu 1500 type veth peer name u-kube-ipvs0 netns knet-underlay
ip -n knet-node-k8s-node1 link set eth0 up
ip -n knet-node-k8s-node1 link set flannel.1 up
ip -n knet-node-k8s-node1 link set cni0 up
ip -n knet-node-k8s-node1 link set veth71866a09 master cni0
ip -n knet-node-k8s-node1 link set veth71866a09 up
bridge -n knet-node-k8s-node1 link set dev veth71866a09 hairpin on
ip -n knet-node-k8s-node1 link set vethd54af1ba master cni0
ip -n knet-node-k8s-node1 link set vethd54af1ba up
bridge -n knet-node-k8s-node1 link set dev vethd54af1ba hairpin on
ip -n knet-node-k8s-node1 link set veth83bbe6b7 master cni0
ip -n knet-node-k8s-node1 link set veth83bbe6b7 up
bridge -n knet-node-k8s-node1 link set dev veth83bbe6b7 hairpin on
ip -n knet-node-k8s-node1 addr add 192.168.2.101/24 brd 192.168.2.255 scope global dev eth0
ip -n knet-node-k8s-node1 addr add 10.244.1.0/32 scope global dev flannel.1
ip -n knet-node-k8s-node1 addr add 10.244.1.1/24 brd 10.244.1.255 scope global dev cni0
ip -n knet-node-k8s-node1 addr add 10.1.0.1/32 scope global dev kube-ipvs0
ip -n knet-node-k8s-node1 addr add 10.1.0.2/32 scope global dev kube-ipvs0
ip -n knet-node-k8s-node1 addr add 10.1.0.10/32 scope global dev kube-ipvs0
ip -n knet-node-k8s-node1 route add default via 192.168.2.1 dev eth0
ip -n knet-node-k8s-node1 route add 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink
ip -n knet-node-k8s-node1 route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
ip -n knet-node-k8s-node1 neigh replace 10.244.0.0 lladdr 56:92:70:47:cf:13 dev flannel.1 nud permanent
ip -n knet-node-k8s-node1 neigh replace 10.244.2.0 lladdr 22:6d:20:af:71:67 dev flannel.1 nud permanent
bridge -n knet-node-k8s-node1 fdb append 56:92:70:47:cf:13 dev flannel.1 dst 192.168.2.100 self permanent
bridge -n knet-node-k8s-node1 fdb append 22:6d:20:af:71:67 dev flannel.1 dst 192.168.2.102 self permanent
ip -n knet-pod-default-pod-a link set eth0 up
ip -n knet-pod-default-pod-a addr add 10.244.1.2/24 brd 10.244.1.255 scope global dev eth0
ip -n knet-pod-default-pod-a route add default via 10.244.1.1 dev eth0
ip -n knet-pod-default-pod-a route add 10.244.0.0/16 via 10.244.1.1 dev eth0
ip -n knet-pod-echoc-nginx-6d4bb44f85-7rf9t link set eth0 up
ip -n knet-pod-echoc-nginx-6d4bb44f85-7rf9t addr add 10.244.1.3/24 brd 10.244.1.255 scope global dev eth0
ip -n knet-pod-echoc-nginx-6d4bb44f85-7rf9t route add default via 10.244.1.1 dev eth0
ip -n knet-pod-echoc-nginx-6d4bb44f85-7rf9t route add 10.244.0.0/16 via 10.244.1.1 dev eth0
ip -n knet-pod-echoc-nginx-6d4bb44f85-l5cld link set eth0 up
ip -n knet-pod-echoc-nginx-6d4bb44f85-l5cld addr add 10.244.1.4/24 brd 10.244.1.255 scope global dev eth0
ip -n knet-pod-echoc-nginx-6d4bb44f85-l5cld route add default via 10.244.1.1 dev eth0
ip -n knet-pod-echoc-nginx-6d4bb44f85-l5cld route add 10.244.0.0/16 via 10.244.1.1 dev eth0
ip -n knet-underlay link set u-eth0 down
ip -n knet-underlay link set u-eth0 name n1-eth0
ip -n knet-underlay link set n1-eth0 master br0 up
ip -n knet-underlay link set u-kube-ipvs0 down
ip -n knet-underlay link set u-kube-ipvs0 name n1-kube-ipvs0
ip netns exec knet-node-k8s-node1 sysctl -q -w net.bridge.bridge-nf-call-ip6tables=1 net.bridge.bridge-nf-call-iptables=1 net.ipv4.conf.all.forwarding=1 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=1 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns exec knet-pod-default-pod-a sysctl -q -w net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-iptables=0 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=0 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns exec knet-pod-echoc-nginx-6d4bb44f85-7rf9t sysctl -q -w net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-iptables=0 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=0 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns exec knet-pod-echoc-nginx-6d4bb44f85-l5cld sysctl -q -w net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-iptables=0 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=0 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns add knet-node-k8s-node2
ip -n knet-node-k8s-node2 link set lo up
ip netns add knet-pod-kube-system-coredns-754bccc5bf-ndl7t
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t link set lo up
ip netns add knet-pod-echoc-nginx-6d4bb44f85-hrbmn
ip -n knet-pod-echoc-nginx-6d4bb44f85-hrbmn link set lo up
ip -n knet-node-k8s-node2 link add eth0 address 52:54:00:74:36:33 mtu 1500 type veth peer name u-eth0 netns knet-underlay
ip -n knet-node-k8s-node2 link add flannel.1 address 22:6d:20:af:71:67 mtu 1450 type vxlan id 1 local 192.168.2.102 dev eth0 dstport 8472 nolearning ageing 300
ip -n knet-node-k8s-node2 link add cni0 address 36:7c:26:ef:f2:7f mtu 1450 type bridge
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t link add eth0 address 6a:e5:9c:f2:be:cd mtu 1450 type veth peer name veth694d0131 address f2:e8:09:5d:94:c6 mtu 1450 netns knet-node-k8s-node2
ip -n knet-pod-echoc-nginx-6d4bb44f85-hrbmn link add eth0 address 22:e4:e9:8a:5a:97 mtu 1450 type veth peer name vethc9cae2ab address ea:85:33:f1:59:f5 mtu 1450 netns knet-node-k8s-node2
ip -n knet-node-k8s-node2 link add kube-ipvs0 address fe:9b:a9:3d:49:eb mtu 1500 type veth peer name u-kube-ipvs0 netns knet-underlay
ip -n knet-node-k8s-node2 link set eth0 up
ip -n knet-node-k8s-node2 link set flannel.1 up
ip -n knet-node-k8s-node2 link set cni0 up
ip -n knet-node-k8s-node2 link set veth694d0131 master cni0
ip -n knet-node-k8s-node2 link set veth694d0131 up
bridge -n knet-node-k8s-node2 link set dev veth694d0131 hairpin on
ip -n knet-node-k8s-node2 link set vethc9cae2ab master cni0
ip -n knet-node-k8s-node2 link set vethc9cae2ab up
bridge -n knet-node-k8s-node2 link set dev vethc9cae2ab hairpin on
ip -n knet-node-k8s-node2 addr add 192.168.2.102/24 brd 192.168.2.255 scope global dev eth0
ip -n knet-node-k8s-node2 addr add 10.244.2.0/32 scope global dev flannel.1
ip -n knet-node-k8s-node2 addr add 10.244.2.1/24 brd 10.244.2.255 scope global dev cni0
ip -n knet-node-k8s-node2 addr add 10.1.0.1/32 scope global dev kube-ipvs0
ip -n knet-node-k8s-node2 addr add 10.1.0.2/32 scope global dev kube-ipvs0
ip -n knet-node-k8s-node2 addr add 10.1.0.10/32 scope global dev kube-ipvs0
ip -n knet-node-k8s-node2 route add default via 192.168.2.1 dev eth0
ip -n knet-node-k8s-node2 route add 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink
ip -n knet-node-k8s-node2 route add 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
ip -n knet-node-k8s-node2 neigh replace 10.244.0.0 lladdr 56:92:70:47:cf:13 dev flannel.1 nud permanent
ip -n knet-node-k8s-node2 neigh replace 10.244.1.0 lladdr ea:4b:2f:3c:93:29 dev flannel.1 nud permanent
bridge -n knet-node-k8s-node2 fdb append 56:92:70:47:cf:13 dev flannel.1 dst 192.168.2.100 self permanent
bridge -n knet-node-k8s-node2 fdb append ea:4b:2f:3c:93:29 dev flannel.1 dst 192.168.2.101 self permanent
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t link set eth0 up
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t addr add 10.244.2.2/24 brd 10.244.2.255 scope global dev eth0
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t route add default via 10.244.2.1 dev eth0
ip -n knet-pod-kube-system-coredns-754bccc5bf-ndl7t route add 10.244.0.0/16 via 10.244.2.1 dev eth0
ip -n knet-pod-echoc-nginx-6d4bb44f85-hrbmn link set eth0 up
ip -n knet-pod-echoc-nginx-6d4bb44f85-hrbmn addr add 10.244.2.3/24 brd 10.244.2.255 scope global dev eth0
ip -n knet-pod-echoc-nginx-6d4bb44f85-hrbmn route add default via 10.244.2.1 dev eth0
ip -n knet-pod-echoc-nginx-6d4bb44f85-hrbmn route add 10.244.0.0/16 via 10.244.2.1 dev eth0
ip -n knet-underlay link set u-eth0 down
ip -n knet-underlay link set u-eth0 name n2-eth0
ip -n knet-underlay link set n2-eth0 master br0 up
ip -n knet-underlay link set u-kube-ipvs0 down
ip -n knet-underlay link set u-kube-ipvs0 name n2-kube-ipvs0
ip netns exec knet-node-k8s-node2 sysctl -q -w net.bridge.bridge-nf-call-ip6tables=1 net.bridge.bridge-nf-call-iptables=1 net.ipv4.conf.all.forwarding=1 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=1 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns exec knet-pod-kube-system-coredns-754bccc5bf-ndl7t sysctl -q -w net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-iptables=0 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=0 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns exec knet-pod-echoc-nginx-6d4bb44f85-hrbmn sysctl -q -w net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-iptables=0 net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.arp_notify=0 net.ipv4.conf.default.forwarding=0 net.ipv4.conf.default.route_localnet=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.ip_default_ttl=64 net.ipv4.ip_forward=0 'net.ipv4.ip_local_port_range=32768 60999' net.ipv6.conf.default.accept_dad=1 net.ipv6.conf.default.accept_ra=1
ip netns add knet-ext-laptop
ip -n knet-ext-laptop link set lo up
ip -n knet-underlay link add x0-eth0 mtu 1500 type veth peer name eth0 mtu 1500 netns knet-ext-laptop
ip -n knet-underlay link set x0-eth0 master br0 up
ip -n knet-ext-laptop link set eth0 up
ip -n knet-ext-laptop addr add 192.168.2.50/24 dev eth0
ip netns exec knet-node-k8s-master ipset restore <<'EOF'
create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x22988fb3
add KUBE-LOOP-BACK 10.244.0.2,tcp:53,10.244.0.2
add KUBE-LOOP-BACK 10.244.0.2,udp:53,10.244.0.2
add KUBE-LOOP-BACK 10.244.0.2,tcp:9153,10.244.0.2
create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xbd6fca37
add KUBE-CLUSTER-IP 10.1.0.1,tcp:443
add KUBE-CLUSTER-IP 10.1.0.2,tcp:80
add KUBE-CLUSTER-IP 10.1.0.10,tcp:53
add KUBE-CLUSTER-IP 10.1.0.10,udp:53
add KUBE-CLUSTER-IP 10.1.0.10,tcp:9153
create KUBE-LOAD-BALANCER hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x59ec1690
create KUBE-LOAD-BALANCER-FW hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xed6e0fcc
create KUBE-LOAD-BALANCER-LOCAL hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x511a6c66
create KUBE-LOAD-BALANCER-SOURCE-IP hash:ip,port,ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x8a5d4ff4
create KUBE-LOAD-BALANCER-SOURCE-CIDR hash:ip,port,net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x640dddaf
create KUBE-NODE-PORT-TCP bitmap:port range 0-65535
add KUBE-NODE-PORT-TCP 30004
create KUBE-NODE-PORT-LOCAL-TCP bitmap:port range 0-65535
create KUBE-NODE-PORT-UDP bitmap:port range 0-65535
create KUBE-NODE-PORT-LOCAL-UDP bitmap:port range 0-65535
create KUBE-NODE-PORT-SCTP-HASH hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xdf5061cd
create KUBE-NODE-PORT-LOCAL-SCTP-HASH hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x5cdcf967
create KUBE-HEALTH-CHECK-NODE-PORT bitmap:port range 0-65535
create KUBE-IPVS-IPS hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x9593f48a
add KUBE-IPVS-IPS 10.1.0.1
add KUBE-IPVS-IPS 10.1.0.2
add KUBE-IPVS-IPS 10.1.0.10
create KUBE-EXTERNAL-IP hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x221b71c2
create KUBE-EXTERNAL-IP-LOCAL hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x72172a40
EOF
ip netns exec knet-node-k8s-master iptables-restore <<'EOF'
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FLANNEL-FWD - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-IPVS-FILTER - [0:0]
:KUBE-IPVS-OUT-FILTER - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SOURCE-RANGES-FIREWALL - [0:0]
-A INPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER
-A INPUT -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check rules" -j KUBE-NODE-PORT
-A FORWARD -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A OUTPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-OUT-FILTER
-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-IPVS-FILTER -m set --match-set KUBE-LOAD-BALANCER dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-CLUSTER-IP dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN
-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT --reject-with icmp-port-unreachable
-A KUBE-NODE-PORT -m comment --comment "Kubernetes health check node port" -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT
-A KUBE-SOURCE-RANGES-FIREWALL -j DROP
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FLANNEL-POSTRTG - [0:0]
:KUBE-LOAD-BALANCER - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SERVICES - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.0.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ
-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN
-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT
-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
EOF
ip netns exec knet-node-k8s-master sysctl -q -w net.netfilter.nf_conntrack_tcp_timeout_close_wait=3600 net.netfilter.nf_conntrack_tcp_timeout_established=86400
ip netns exec knet-node-k8s-node1 ipset restore <<'EOF'
create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x22988fb3
add KUBE-LOOP-BACK 10.244.1.3,tcp:80,10.244.1.3
add KUBE-LOOP-BACK 10.244.1.4,tcp:80,10.244.1.4
create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xbd6fca37
add KUBE-CLUSTER-IP 10.1.0.1,tcp:443
add KUBE-CLUSTER-IP 10.1.0.2,tcp:80
add KUBE-CLUSTER-IP 10.1.0.10,tcp:53
add KUBE-CLUSTER-IP 10.1.0.10,udp:53
add KUBE-CLUSTER-IP 10.1.0.10,tcp:9153
create KUBE-LOAD-BALANCER hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x59ec1690
create KUBE-LOAD-BALANCER-FW hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xed6e0fcc
create KUBE-LOAD-BALANCER-LOCAL hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x511a6c66
create KUBE-LOAD-BALANCER-SOURCE-IP hash:ip,port,ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x8a5d4ff4
create KUBE-LOAD-BALANCER-SOURCE-CIDR hash:ip,port,net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x640dddaf
create KUBE-NODE-PORT-TCP bitmap:port range 0-65535
add KUBE-NODE-PORT-TCP 30004
create KUBE-NODE-PORT-LOCAL-TCP bitmap:port range 0-65535
create KUBE-NODE-PORT-UDP bitmap:port range 0-65535
create KUBE-NODE-PORT-LOCAL-UDP bitmap:port range 0-65535
create KUBE-NODE-PORT-SCTP-HASH hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xdf5061cd
create KUBE-NODE-PORT-LOCAL-SCTP-HASH hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x5cdcf967
create KUBE-HEALTH-CHECK-NODE-PORT bitmap:port range 0-65535
create KUBE-IPVS-IPS hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x9593f48a
add KUBE-IPVS-IPS 10.1.0.1
add KUBE-IPVS-IPS 10.1.0.2
add KUBE-IPVS-IPS 10.1.0.10
create KUBE-EXTERNAL-IP hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x221b71c2
create KUBE-EXTERNAL-IP-LOCAL hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x72172a40
EOF
ip netns exec knet-node-k8s-node1 iptables-restore <<'EOF'
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FLANNEL-FWD - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-IPVS-FILTER - [0:0]
:KUBE-IPVS-OUT-FILTER - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SOURCE-RANGES-FIREWALL - [0:0]
-A INPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER
-A INPUT -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check rules" -j KUBE-NODE-PORT
-A FORWARD -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A OUTPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-OUT-FILTER
-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-IPVS-FILTER -m set --match-set KUBE-LOAD-BALANCER dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-CLUSTER-IP dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN
-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT --reject-with icmp-port-unreachable
-A KUBE-NODE-PORT -m comment --comment "Kubernetes health check node port" -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT
-A KUBE-SOURCE-RANGES-FIREWALL -j DROP
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FLANNEL-POSTRTG - [0:0]
:KUBE-LOAD-BALANCER - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SERVICES - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ
-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN
-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT
-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
EOF
ip netns exec knet-node-k8s-node1 sysctl -q -w net.netfilter.nf_conntrack_tcp_timeout_close_wait=3600 net.netfilter.nf_conntrack_tcp_timeout_established=86400
ip netns exec knet-node-k8s-node2 ipset restore <<'EOF'
create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x22988fb3
add KUBE-LOOP-BACK 10.244.2.3,tcp:80,10.244.2.3
add KUBE-LOOP-BACK 10.244.2.2,tcp:53,10.244.2.2
add KUBE-LOOP-BACK 10.244.2.2,udp:53,10.244.2.2
add KUBE-LOOP-BACK 10.244.2.2,tcp:9153,10.244.2.2
create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xbd6fca37
add KUBE-CLUSTER-IP 10.1.0.1,tcp:443
add KUBE-CLUSTER-IP 10.1.0.2,tcp:80
add KUBE-CLUSTER-IP 10.1.0.10,tcp:53
add KUBE-CLUSTER-IP 10.1.0.10,udp:53
add KUBE-CLUSTER-IP 10.1.0.10,tcp:9153
create KUBE-LOAD-BALANCER hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x59ec1690
create KUBE-LOAD-BALANCER-FW hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xed6e0fcc
create KUBE-LOAD-BALANCER-LOCAL hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x511a6c66
create KUBE-LOAD-BALANCER-SOURCE-IP hash:ip,port,ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x8a5d4ff4
create KUBE-LOAD-BALANCER-SOURCE-CIDR hash:ip,port,net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x640dddaf
create KUBE-NODE-PORT-TCP bitmap:port range 0-65535
add KUBE-NODE-PORT-TCP 30004
create KUBE-NODE-PORT-LOCAL-TCP bitmap:port range 0-65535
create KUBE-NODE-PORT-UDP bitmap:port range 0-65535
create KUBE-NODE-PORT-LOCAL-UDP bitmap:port range 0-65535
create KUBE-NODE-PORT-SCTP-HASH hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0xdf5061cd
create KUBE-NODE-PORT-LOCAL-SCTP-HASH hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x5cdcf967
create KUBE-HEALTH-CHECK-NODE-PORT bitmap:port range 0-65535
create KUBE-IPVS-IPS hash:ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x9593f48a
add KUBE-IPVS-IPS 10.1.0.1
add KUBE-IPVS-IPS 10.1.0.2
add KUBE-IPVS-IPS 10.1.0.10
create KUBE-EXTERNAL-IP hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x221b71c2
create KUBE-EXTERNAL-IP-LOCAL hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x72172a40
EOF
ip netns exec knet-node-k8s-node2 iptables-restore <<'EOF'
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:FLANNEL-FWD - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-IPVS-FILTER - [0:0]
:KUBE-IPVS-OUT-FILTER - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
:KUBE-SOURCE-RANGES-FIREWALL - [0:0]
-A INPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER
-A INPUT -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL
-A INPUT -m comment --comment "kubernetes health check rules" -j KUBE-NODE-PORT
-A FORWARD -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A OUTPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-OUT-FILTER
-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A KUBE-IPVS-FILTER -m set --match-set KUBE-LOAD-BALANCER dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-CLUSTER-IP dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst -j RETURN
-A KUBE-IPVS-FILTER -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j RETURN
-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT --reject-with icmp-port-unreachable
-A KUBE-NODE-PORT -m comment --comment "Kubernetes health check node port" -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT
-A KUBE-SOURCE-RANGES-FIREWALL -j DROP
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
# Generated by iptables-save v1.8.9 (nf_tables) on Thu Jan  1 00:00:00 2026
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:FLANNEL-POSTRTG - [0:0]
:KUBE-LOAD-BALANCER - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-NODE-PORT - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SERVICES - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.2.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.2.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.2.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ
-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully
-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN
-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ
-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT
-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT
COMMIT
# Completed on Thu Jan  1 00:00:00 2026
EOF
ip netns exec knet-node-k8s-node2 sysctl -q -w net.netfilter.nf_conntrack_tcp_timeout_close_wait=3600 net.netfilter.nf_conntrack_tcp_timeout_established=86400
mkdir -p /etc/netns/knet-pod-default-pod-a
cat > /etc/netns/knet-pod-default-pod-a/resolv.conf <<'EOF'
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.1.0.10
options ndots:5
EOF
cat > /etc/netns/knet-pod-default-pod-a/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost	ip6-localhost	ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.2	pod-a
EOF
mkdir -p /etc/netns/knet-pod-echoc-nginx-6d4bb44f85-7rf9t
cat > /etc/netns/knet-pod-echoc-nginx-6d4bb44f85-7rf9t/resolv.conf <<'EOF'
search echoc.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.1.0.10
options ndots:5
EOF
cat > /etc/netns/knet-pod-echoc-nginx-6d4bb44f85-7rf9t/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost	ip6-localhost	ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.3	nginx-6d4bb44f85-7rf9t
EOF
mkdir -p /etc/netns/knet-pod-echoc-nginx-6d4bb44f85-hrbmn
cat > /etc/netns/knet-pod-echoc-nginx-6d4bb44f85-hrbmn/resolv.conf <<'EOF'
search echoc.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.1.0.10
options ndots:5
EOF
cat > /etc/netns/knet-pod-echoc-nginx-6d4bb44f85-hrbmn/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost	ip6-localhost	ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.2.3	nginx-6d4bb44f85-hrbmn
EOF
mkdir -p /etc/netns/knet-pod-echoc-nginx-6d4bb44f85-l5cld
cat > /etc/netns/knet-pod-echoc-nginx-6d4bb44f85-l5cld/resolv.conf <<'EOF'
search echoc.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.1.0.10
options ndots:5
EOF
cat > /etc/netns/knet-pod-echoc-nginx-6d4bb44f85-l5cld/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost	ip6-localhost	ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.1.4	nginx-6d4bb44f85-l5cld
EOF
mkdir -p /etc/netns/knet-pod-kube-system-coredns-754bccc5bf-ndl7t
cat > /etc/netns/knet-pod-kube-system-coredns-754bccc5bf-ndl7t/resolv.conf <<'EOF'

EOF
cat > /etc/netns/knet-pod-kube-system-coredns-754bccc5bf-ndl7t/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost	ip6-localhost	ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.2.2	coredns-754bccc5bf-ndl7t
EOF
mkdir -p /etc/netns/knet-pod-kube-system-coredns-754bccc5bf-xxvrt
cat > /etc/netns/knet-pod-kube-system-coredns-754bccc5bf-xxvrt/resolv.conf <<'EOF'

EOF
cat > /etc/netns/knet-pod-kube-system-coredns-754bccc5bf-xxvrt/hosts <<'EOF'
# Kubernetes-managed hosts file.
127.0.0.1	localhost
::1	localhost	ip6-localhost	ip6-loopback
fe00::0	ip6-localnet
fe00::0	ip6-mcastprefix
fe00::1	ip6-allnodes
fe00::2	ip6-allrouters
10.244.0.2	coredns-754bccc5bf-xxvrt
EOF
ip netns exec knet-pod-kube-system-coredns-754bccc5bf-ndl7t node dns.js kube-system/coredns-754bccc5bf-ndl7t 10.244.2.2 &
ip netns exec knet-pod-kube-system-coredns-754bccc5bf-xxvrt node dns.js kube-system/coredns-754bccc5bf-xxvrt 10.244.0.2 &
ip netns exec knet-pod-kube-system-coredns-754bccc5bf-xxvrt node responder.js 'pod kube-system/coredns-754bccc5bf-xxvrt' tcp/9153 &
ip netns exec knet-pod-echoc-nginx-6d4bb44f85-7rf9t node responder.js 'pod echoc/nginx-6d4bb44f85-7rf9t' tcp/80 &
ip netns exec knet-pod-echoc-nginx-6d4bb44f85-l5cld node responder.js 'pod echoc/nginx-6d4bb44f85-l5cld' tcp/80 &
ip netns exec knet-pod-echoc-nginx-6d4bb44f85-hrbmn node responder.js 'pod echoc/nginx-6d4bb44f85-hrbmn' tcp/80 &
ip netns exec knet-pod-kube-system-coredns-754bccc5bf-ndl7t node responder.js 'pod kube-system/coredns-754bccc5bf-ndl7t' tcp/9153 &
ip netns exec knet-node-k8s-master node responder.js 'node k8s-master' tcp/6443 &
