module TopModule (
  input             clk,
  input             reset,
  input             en,
  output reg [15:0] q
);
  wire fb = q[15] ^ q[13] ^ q[12] ^ q[10];
  always @(posedge clk) begin
    if (reset)   q <= 16'h0001;
    else if (en) q <= {q[14:0], fb};
  end
endmodule
